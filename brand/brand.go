// Package brand holds Logistified's icon, which the keys page shows as its
// favicon and the MCP server announces to clients (directories such as
// Claude's connector directory list servers by it).
package brand

import (
	"embed"
	"encoding/base64"
)

// FS holds the icon as icon.svg, an SVG that scales to any size.
//
//go:embed icon.svg
var FS embed.FS

// IconSVG is the icon's SVG.
func IconSVG() []byte {
	b, err := FS.ReadFile("icon.svg")
	if err != nil {
		panic(err) // embedded: it is there
	}
	return b
}

// IconDataURI is the icon as a data: URI, self-contained for clients that
// load nothing from the network (and for stdio, which has no address).
func IconDataURI() string {
	return "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(IconSVG())
}
