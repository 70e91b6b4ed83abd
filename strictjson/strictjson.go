// Package strictjson holds the rules every face applies to a JSON request
// body before any decoder reads it: the body is UTF-8, and no object
// repeats a member name.
//
// encoding/json (and most decoders) keep the last of repeated names, while
// a gateway, a WAF or an audit tool may read the first, so a body with
// "dry_run":true,…,"dry_run":false would look like a preview to them and
// write here. encoding/json also matches names to fields without regard to
// case, so "dry_run" and "DRY_RUN" are the same argument and count as a
// repeat too. /mcp (HTTP and stdio) and /api/v1 refuse such a body, each
// in its own error format, naming the member.
package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DuplicateError names the first member name that an object repeats.
type DuplicateError struct {
	// Path is where the object is: "" for the top level, else a path such
	// as "lines[0]" or "params.arguments".
	Path string
	// Name is the member's name as first written; Again is how it was
	// written the second time (the same, or the same but for case).
	Name, Again string
}

// Field is the repeated member's path: "dry_run", "lines[0].sku".
func (e *DuplicateError) Field() string { return join(e.Path, e.Name) }

// Member is the path of the repeated member relative to the object at
// prefix ("params.arguments"), or its whole path when it is not inside it.
func (e *DuplicateError) Member(prefix string) string {
	f := e.Field()
	if rest, ok := strings.CutPrefix(f, prefix+"."); ok {
		return rest
	}
	return f
}

// Error says which name is repeated, and where.
func (e *DuplicateError) Error() string { return e.Describe("") }

// Describe is Error with the path taken relative to the object at prefix
// (see Member).
func (e *DuplicateError) Describe(prefix string) string {
	m := e.Member(prefix)
	if e.Again != e.Name {
		return fmt.Sprintf("%s is given twice, as %s and as %s (names are matched without regard to case)",
			m, quote(e.Name), quote(e.Again))
	}
	return m + " is given twice"
}

// Duplicate returns the first repeated member name in data, in document
// order, or nil when no object repeats one. JSON that is not valid past
// the point read returns nil: the decoder that follows refuses it in its
// own words.
func Duplicate(data []byte) *DuplicateError {
	// Every request body passes here, and nearly all have no repeat and
	// plain ASCII names: a byte scan settles those. Anything else (a
	// repeat to describe, an escaped or non-ASCII name, malformed JSON) is
	// read again by the decoder, which says exactly what and where.
	if noRepeats(data) {
		return nil
	}
	return duplicate(data)
}

// noRepeats reports whether data is well-formed JSON whose objects'
// member names are plain ASCII, unescaped, and never repeated (ignoring
// case). false means "look closer", not "repeated".
func noRepeats(data []byte) bool {
	type object struct {
		names [][]byte
		index map[string]struct{} // lower-cased names, once there are many
	}
	var objects []object // the open objects
	var inObject []bool  // the open containers: object or array
	expectKey := false
	i, n := 0, len(data)
	for i < n {
		c := data[i]
		switch c {
		case ' ', '\t', '\n', '\r', ',', ':':
			if c == ',' && len(inObject) > 0 && inObject[len(inObject)-1] {
				expectKey = true
			}
			i++
		case '{':
			inObject = append(inObject, true)
			if len(objects) < cap(objects) {
				// Reuse a closed object's list of names.
				objects = objects[:len(objects)+1]
				o := &objects[len(objects)-1]
				o.names, o.index = o.names[:0], nil
			} else {
				objects = append(objects, object{})
			}
			expectKey = true
			i++
		case '[':
			inObject = append(inObject, false)
			expectKey = false
			i++
		case '}', ']':
			if len(inObject) == 0 || inObject[len(inObject)-1] != (c == '}') {
				return false
			}
			if c == '}' {
				objects = objects[:len(objects)-1]
			}
			inObject = inObject[:len(inObject)-1]
			expectKey = false
			i++
		case '"':
			j := i + 1
			escaped, ascii := false, true
			for j < n && data[j] != '"' {
				if data[j] == '\\' {
					escaped = true
					j++
				} else if data[j] >= 0x80 {
					ascii = false
				}
				j++
			}
			if j >= n {
				return false
			}
			if expectKey {
				if escaped || !ascii || len(objects) == 0 {
					return false
				}
				name := data[i+1 : j]
				o := &objects[len(objects)-1]
				if o.index != nil {
					k := strings.ToLower(string(name))
					if _, seen := o.index[k]; seen {
						return false
					}
					o.index[k] = struct{}{}
				} else {
					for _, prev := range o.names {
						if bytes.EqualFold(prev, name) {
							return false
						}
					}
					o.names = append(o.names, name)
					if len(o.names) > smallObject {
						o.index = make(map[string]struct{}, 2*len(o.names))
						for _, prev := range o.names {
							o.index[strings.ToLower(string(prev))] = struct{}{}
						}
					}
				}
				expectKey = false
			}
			i = j + 1
		default:
			// A number or a literal: up to the next delimiter.
			if expectKey {
				return false
			}
			for i < n && !delimiter(data[i]) {
				i++
			}
		}
	}
	return len(inObject) == 0
}

func delimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', ']', '}':
		return true
	}
	return false
}

// duplicate is Duplicate by the decoder's tokens.
func duplicate(data []byte) *DuplicateError {
	// The stack of open containers. A frame's place in its parent (the
	// parent's key or index) does not change while it is open, so a path
	// is built from the stack only when a repeat is found.
	var stack []frame
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		top := &stack[len(stack)-1]
		if top.object {
			top.expectKey = true
		} else {
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or not JSON: nothing repeated so far
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			top := &stack[n-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				valueDone()
				continue
			}
			name, ok := tok.(string)
			if !ok {
				return nil
			}
			if first, seen := top.add(name); seen {
				return &DuplicateError{Path: pathOf(stack), Name: first, Again: name}
			}
			top.key, top.expectKey = name, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

// frame is an open object or array.
type frame struct {
	object    bool
	expectKey bool
	key       string // the object's member being read
	index     int    // the array's element being read
	// An object's names so far: a list while it is short (most are), then
	// a map by fold, so that a huge object costs no quadratic time.
	list  []string
	names map[string]string
}

// smallObject is how many names an object keeps in a list.
const smallObject = 16

// add records name in the object and returns the earlier spelling of the
// same name, if there was one.
func (f *frame) add(name string) (string, bool) {
	if f.names == nil {
		// strings.EqualFold is encoding/json's matching of names to fields.
		for _, n := range f.list {
			if strings.EqualFold(n, name) {
				return n, true
			}
		}
		if len(f.list) < smallObject {
			f.list = append(f.list, name)
			return "", false
		}
		f.names = make(map[string]string, 2*smallObject)
		for _, n := range f.list {
			f.names[fold(n)] = n
		}
		f.list = nil
	}
	k := fold(name)
	if first, ok := f.names[k]; ok {
		return first, true
	}
	f.names[k] = name
	return "", false
}

// pathOf is the path of the innermost open container.
func pathOf(stack []frame) string {
	path := ""
	for i := 1; i < len(stack); i++ {
		if p := stack[i-1]; p.object {
			path = join(path, p.key)
		} else {
			path += "[" + strconv.Itoa(p.index) + "]"
		}
	}
	return path
}

// fold is encoding/json's folding of a member name (equal folds are
// strings.EqualFold): names with the same fold bind to the same field.
func fold(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
			continue
		}
		// The smallest rune of the fold orbit, as encoding/json takes it.
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		b.WriteRune(r)
	}
	return b.String()
}

// join appends a member name to a path, quoting names that are not plain
// words, so that a path reads unambiguously and carries no control
// characters or megabytes into an error message.
func join(path, name string) string {
	seg := name
	if !plain(name) {
		seg = quote(name)
	}
	if path == "" {
		return seg
	}
	return path + "." + seg
}

func plain(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r == '$' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return false
		}
	}
	return true
}

func quote(s string) string {
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "…"
	}
	return strconv.Quote(s)
}

// CharsetError is a Content-Type that declares a charset other than UTF-8.
type CharsetError struct{ Charset string }

func (e *CharsetError) Error() string {
	return fmt.Sprintf("the request body is declared as charset=%s, and only UTF-8 is read: send the body in UTF-8 with "+
		"Content-Type: application/json (charset=utf-8 may be given, no other)", quoteIfOdd(e.Charset))
}

// Charset refuses a Content-Type whose charset is not utf-8 (in any case).
// No charset is fine: JSON is UTF-8 (RFC 8259 §8.1). A body declared as
// UTF-16 or Latin-1 would otherwise be read as UTF-8 while another reader
// decodes it as declared. A Content-Type that does not parse is left to
// the face's media type check.
func Charset(contentType string) error {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil
	}
	cs, ok := params["charset"]
	if !ok || strings.EqualFold(strings.TrimSpace(cs), "utf-8") {
		return nil
	}
	return &CharsetError{Charset: cs}
}

func quoteIfOdd(s string) string {
	if plain(s) {
		return s
	}
	return quote(s)
}
