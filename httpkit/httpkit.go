// Package httpkit holds what every HTTP face writes the same way: JSON
// answers, and answers held back until the caller's credential is
// confirmed.
package httpkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
)

// WriteJSON answers code with v as JSON.
func WriteJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Held is an http.ResponseWriter that keeps an answer instead of sending
// it, so that a face can still replace it: when the credential check that
// travelled with the request's first read refuses the key, nothing that
// was computed with it is sent.
type Held struct {
	header http.Header
	status int
	body   bytes.Buffer
}

// Hold returns an empty held answer.
func Hold() *Held { return &Held{header: http.Header{}} }

// Header is the held answer's header.
func (h *Held) Header() http.Header { return h.header }

// WriteHeader keeps the first status written.
func (h *Held) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

// Write keeps the body.
func (h *Held) Write(p []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return h.body.Write(p)
}

// Keep is Write for a body its caller gives up: an answer written whole
// is held without a copy.
func (h *Held) Keep(b []byte) {
	if h.body.Len() > 0 {
		_, _ = h.Write(b)
		return
	}
	h.WriteHeader(http.StatusOK)
	h.body = *bytes.NewBuffer(b)
}

// WriteWhole writes b, a whole answer its caller gives up, to w: a held
// answer keeps it without a copy.
func WriteWhole(w http.ResponseWriter, b []byte) {
	if h, ok := w.(*Held); ok {
		h.Keep(b)
		return
	}
	_, _ = w.Write(b)
}

// SendTo sends the held answer, headers and all, on w.
func (h *Held) SendTo(w http.ResponseWriter) {
	dst := w.Header()
	for k, v := range h.header {
		dst[k] = v
	}
	if h.status == 0 {
		h.status = http.StatusOK
	}
	w.WriteHeader(h.status)
	_, _ = w.Write(h.body.Bytes())
}

// Replayable wraps a request's body so that it can be read again from the
// start (Rewind) when the request is served a second time. It keeps what
// was read, which the face's own size limit bounds.
type Replayable struct {
	src  io.ReadCloser
	read bytes.Buffer
	r    io.Reader
}

// NewReplayable wraps body.
func NewReplayable(body io.ReadCloser) *Replayable {
	b := &Replayable{src: body}
	b.r = io.TeeReader(body, &b.read)
	return b
}

func (b *Replayable) Read(p []byte) (int, error) { return b.r.Read(p) }

// Close closes the original body.
func (b *Replayable) Close() error { return b.src.Close() }

// Rewind makes the next reads start again with what was read so far.
func (b *Replayable) Rewind() {
	b.r = io.MultiReader(bytes.NewReader(bytes.Clone(b.read.Bytes())), b.src)
	b.read.Reset()
	b.r = io.TeeReader(b.r, &b.read)
}
