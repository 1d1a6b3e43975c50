package main

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// secretsOf lists what must never reach a public surface: every inspector's id, name and
// certificate number from the roster file, and the names of the tier fields.
func secretsOf(t *testing.T, inspectorsCSV string) []string {
	t.Helper()
	f, err := os.Open(inspectorsCSV)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{"credit_tier", `"tier"`, `"tiers"`, "tier_set_on", "信用风险等级", "cert_no"}
	for _, r := range rows[1:] {
		secrets = append(secrets, r[0], r[1], r[2]) // id, name, certificate number
	}
	return secrets
}

var href = regexp.MustCompile(`(?:href|action)="([^"#]+)"`)

// crawlPublic fetches, without a token, every public JSON operation of the OpenAPI document
// (path parameters filled from ids) and every page reachable by links from "/", and fails on
// any secret found. It returns how many HTML pages and JSON documents it read.
func crawlPublic(t *testing.T, base string, ids map[string][]string, secrets []string) (pages, docs int) {
	t.Helper()
	return crawl(t, base, ids, func(where, body string) {
		for _, s := range secrets {
			if s != "" && strings.Contains(body, s) {
				t.Errorf("%s shows %q", where, s)
			}
		}
	})
}

// crawl reads every public JSON document and page as crawlPublic says, calls check with each
// answer ("GET /path" or "page /path") and fails on any status but 200.
func crawl(t *testing.T, base string, ids map[string][]string, check func(where, body string)) (pages, docs int) {
	t.Helper()
	get := func(u string) (int, string, string) {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type"), string(raw)
	}
	_, _, spec := get(base + "/openapi.json")
	var doc struct {
		Paths map[string]map[string]struct {
			Security []any `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal([]byte(spec), &doc); err != nil {
		t.Fatal(err)
	}
	for path, ops := range doc.Paths {
		op, ok := ops["get"]
		if !ok || op.Security != nil || path == "/openapi.json" {
			continue
		}
		urls := []string{path}
		for param, values := range ids {
			var next []string
			for _, u := range urls {
				if !strings.Contains(u, "{"+param+"}") {
					next = append(next, u)
					continue
				}
				for _, v := range values {
					next = append(next, strings.ReplaceAll(u, "{"+param+"}", v))
				}
			}
			urls = next
		}
		for _, u := range urls {
			if strings.Contains(u, "{") {
				t.Errorf("no value for a parameter of %s", u)
				continue
			}
			if strings.HasSuffix(u, "/stats") {
				u += "?group_by=department&period=month"
			}
			st, _, body := get(base + u)
			if st != 200 {
				t.Errorf("GET %s: %d %s", u, st, body)
			}
			check("GET "+u, body)
			docs++
		}
	}
	seen := map[string]bool{"/": true}
	queue := []string{"/"}
	for len(queue) > 0 && pages < 3000 {
		u := queue[0]
		queue = queue[1:]
		st, ct, body := get(base + u)
		if st != http.StatusOK {
			t.Errorf("GET %s: %d", u, st) // a refused page would hide what it shows
		}
		check("page "+u, body)
		pages++
		if !strings.HasPrefix(ct, "text/html") {
			continue
		}
		for _, m := range href.FindAllStringSubmatch(body, -1) {
			l, err := url.Parse(strings.ReplaceAll(m[1], "&amp;", "&"))
			if err != nil || l.Host != "" || !strings.HasPrefix(l.Path, "/") || strings.HasPrefix(l.Path, "/desk") || strings.HasPrefix(l.Path, "/login") {
				continue
			}
			if !seen[l.String()] {
				seen[l.String()] = true
				queue = append(queue, l.String())
			}
		}
	}
	return pages, docs
}

func inspectorsFile(src string) string { return filepath.Join(src, "inspectors.csv") }
