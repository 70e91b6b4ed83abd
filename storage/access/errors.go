package access

import (
	"errors"
	"fmt"

	"github.com/logistified/mcp-server/storage"
)

var (
	// ErrStoreNotFound: no store has that domain.
	ErrStoreNotFound = errors.New("store not found")
	// ErrStoreExists: the domain is taken.
	ErrStoreExists = errors.New("a store with that domain already exists")
	// ErrKeyUnknown and ErrKeyRevoked are the credential check's
	// refusals, which the kernel tells from a failure to ask.
	ErrKeyUnknown = storage.ErrKeyUnknown
	ErrKeyRevoked = storage.ErrKeyRevoked
	// ErrKeyNotFound: no key of the store matches the prefix or id.
	ErrKeyNotFound = errors.New("no key of this store has that prefix or id")
)

var (
	// ErrMemberNotFound: the store has no member with that email.
	ErrMemberNotFound = errors.New("no member of this store has that email")
	// ErrMemberExists: the store already has a member with that email.
	ErrMemberExists = errors.New("a member of this store already has that email")

	// ErrSigninInvalid is wrapped by every refused sign-in link.
	ErrSigninInvalid = errors.New("the sign-in link is not valid")
	// ErrSigninMalformed: the token is not of the form a link carries.
	ErrSigninMalformed = fmt.Errorf("%w: it is incomplete or mistyped", ErrSigninInvalid)
	// ErrSigninUnknown: no link has that token.
	ErrSigninUnknown = fmt.Errorf("%w: it is unknown", ErrSigninInvalid)
	// ErrSigninUsed: the link was followed before; each works once.
	ErrSigninUsed = fmt.Errorf("%w: it was already used", ErrSigninInvalid)
	// ErrSigninExpired: the link is older than SigninLinkTTL.
	ErrSigninExpired = fmt.Errorf("%w: it has expired", ErrSigninInvalid)

	// ErrSessionInvalid: no live session has that id (unknown, signed
	// out, expired, or its member was removed).
	ErrSessionInvalid = errors.New("not signed in, or the session has ended")
)
