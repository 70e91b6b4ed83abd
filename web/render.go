package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/logistified/mcp-server/logging"
)

// pages are the parsed templates: each page is the layout with its own
// "main" block.
type pages struct {
	keys, activity, signedOut, message, confirmSignin *template.Template
}

func parsePages() (*pages, error) {
	parse := func(page string) (*template.Template, error) {
		t, err := template.New(page).Funcs(template.FuncMap{"approvalRow": approvalRowOf}).
			ParseFS(templateFS, "templates/layout.html", "templates/account.html", "templates/"+page)
		if err != nil {
			return nil, fmt.Errorf("parsing the page template %s: %w", page, err)
		}
		return t, nil
	}
	var p pages
	var err error
	if p.keys, err = parse("keys.html"); err != nil {
		return nil, err
	}
	if p.activity, err = parse("activity.html"); err != nil {
		return nil, err
	}
	if p.signedOut, err = parse("signedout.html"); err != nil {
		return nil, err
	}
	if p.message, err = parse("message.html"); err != nil {
		return nil, err
	}
	if p.confirmSignin, err = parse("signin.html"); err != nil {
		return nil, err
	}
	return &p, nil
}

// layoutData is what the layout needs beside the page's own data.
type layoutData struct {
	Title string
	Page  any
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, t *template.Template, code int, title string, data any) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", layoutData{Title: title, Page: data}); err != nil {
		logging.For(r.Context(), h.log).Error().Err(err).Msg("rendering the keys page")
		http.Error(w, "The page could not be shown. Try again in a moment.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}

func (h *Handler) renderKeys(w http.ResponseWriter, r *http.Request, code int, v keysView) {
	h.render(w, r, h.pages.keys, code, "LLM / Agent Access", v)
}

func (h *Handler) renderActivity(w http.ResponseWriter, r *http.Request, code int, v activityView) {
	h.render(w, r, h.pages.activity, code, "Activity", v)
}

func (h *Handler) renderSignedOut(w http.ResponseWriter, r *http.Request, justSignedOut bool) {
	h.render(w, r, h.pages.signedOut, http.StatusOK, "Sign in", struct{ JustSignedOut bool }{justSignedOut})
}

func (h *Handler) renderMessage(w http.ResponseWriter, r *http.Request, code int, title, text string) {
	h.render(w, r, h.pages.message, code, title, struct{ Heading, Text string }{title, text})
}
