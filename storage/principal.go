package storage

import "fmt"

// How the server speaks of the caller to the assistant that uses it. A key
// and a web-chat app connected with OAuth (Principal.Grant set) differ in
// what they are called and in how they get write access, so every sentence
// that names the caller, or tells it how to make changes, takes both from
// here.

// IsApp reports whether the caller is a web-chat app connected with OAuth
// rather than an API key.
func (p Principal) IsApp() bool { return p.Grant != nil }

// Subject names the caller at the start of a sentence: `This key
// (lstk_ab12cd34, "Claude Desktop")`, or `This app ("Claude",
// lsto_ab12cd34)` (an app's key row is labelled with its name). Never the
// key itself.
func (p Principal) Subject() string {
	if p.IsApp() {
		return fmt.Sprintf("This app (%q, %s)", p.Key.Label, p.Key.Prefix)
	}
	return "This key (" + KeyName(p.Key) + ")"
}

// KeyName is how a key is named to people: its prefix and label, never the
// key.
func KeyName(k APIKey) string {
	if k.Label == "" {
		return k.Prefix
	}
	return fmt.Sprintf("%s, %q", k.Prefix, k.Label)
}

// WriteNeeds says, after "changes need", what the caller lacks.
func (p Principal) WriteNeeds() string {
	if p.IsApp() {
		return "reconnecting this app with Read & write from the keys page"
	}
	return "a write key"
}

// ReadOnlyRefusal is the sentence a read-only caller hears when it calls
// the write operation op: what happened, and how to get write access.
func (p Principal) ReadOnlyRefusal(op string) string {
	if p.IsApp() {
		return fmt.Sprintf("%s is read-only, so %s was refused and nothing changed. "+
			"To make changes, reconnect it with Read & write: a member of the store clicks Connect claude.ai or ChatGPT "+
			"on the keys page (/keys) and chooses Read & write, then connects this app again with that connection code.",
			p.Subject(), op)
	}
	return fmt.Sprintf("%s is read-only, so %s was refused and nothing changed. "+
		"To make changes, ask a member of the store for a Read & write key from the keys page (/keys), "+
		"or run logistified keys create --store %s --scope write --created-by-name NAME --created-by-email EMAIL, and connect with it.",
		p.Subject(), op, p.Store.Domain)
}
