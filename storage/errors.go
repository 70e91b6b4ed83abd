package storage

import "errors"

var (
	// ErrStoreNotFound: no store has that domain.
	ErrStoreNotFound = errors.New("store not found")
	// ErrStoreExists: the domain is taken.
	ErrStoreExists = errors.New("a store with that domain already exists")
	// ErrKeyUnknown: no key has that hash.
	ErrKeyUnknown = errors.New("the API key is unknown or revoked")
	// ErrKeyRevoked: the key exists but was revoked. Callers outside the
	// server must not tell it apart from ErrKeyUnknown.
	ErrKeyRevoked = errors.New("the API key is unknown or revoked")
	// ErrKeyNotFound: no key of the store matches the prefix or id.
	ErrKeyNotFound = errors.New("no key of this store has that prefix or id")
)
