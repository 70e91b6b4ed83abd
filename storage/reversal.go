package storage

// Reversal is the way back from a write, carried by every write result
// (dry runs and replays included): the one tool call that undoes it, or
// null and why nothing does. Each operation declares its own reversal where
// it is defined, so every face (MCP, REST, the audit) shows the same call.
type Reversal struct {
	By  *ToolCall `json:"reversible_by"`
	Why string    `json:"not_reversible,omitempty"`
}

// ToolCall is a tool's name and the arguments to call it with.
type ToolCall struct {
	Tool      string         `json:"tool"`
	Arguments map[string]any `json:"arguments"`
}

// UndoWith is the reversal that calls tool with args.
func UndoWith(tool string, args map[string]any) Reversal {
	return Reversal{By: &ToolCall{Tool: tool, Arguments: args}}
}

// NoUndo is a write without a reversing call, and what to do instead.
func NoUndo(why string) Reversal { return Reversal{Why: why} }
