package web_test

import (
	"regexp"
	"strings"
	"testing"
)

var hrefRE = regexp.MustCompile(`(?:href|action)="([^"]*)"`)

// TestCrawl follows every link from the home page, in both languages, and checks that no page
// fails or shows anything confidential: tiers, pools, inspector ids, names or certificates.
func TestCrawl(t *testing.T) {
	f := newFixture(t)
	forbidden := []string{"credit_tier", "A类", "B类", "C类", "D类", "INS0", "cert_no", "tier", "Tier", "roster", "pool_sha256\":"}
	forbidden = append(forbidden, inspectorNames...)
	forbidden = append(forbidden, findings, "reviewer", "陈法人", "中山路")
	for i := range inspectorNames {
		forbidden = append(forbidden, certNo(i+1))
	}
	if len(f.notDrawn) == 0 {
		t.Fatal("the fixture has no undrawn pool member to look for")
	}
	forbidden = append(forbidden, f.notDrawn...)

	queue := []string{"/", "/?lang=en"}
	seen := map[string]bool{}
	pages := 0
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if seen[u] {
			continue
		}
		seen[u] = true
		st, body, h := f.get(t, u, "")
		if st != 200 {
			t.Errorf("GET %s: %d", u, st)
			continue
		}
		if !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
			continue // the stylesheet, CSV downloads
		}
		pages++
		mustNotContain(t, u, body, forbidden...)
		if !strings.Contains(body, `class="lang-switch"`) || !strings.Contains(body, "<html lang=") {
			t.Errorf("%s: no language switch or lang attribute", u)
		}
		for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
			link := strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.HasPrefix(link, "/") || strings.HasPrefix(link, "//") || seen[link] {
				continue
			}
			if strings.HasSuffix(link, "/verify") && strings.Contains(m[0], "action=") {
				continue // the upload form posts
			}
			queue = append(queue, link)
		}
		if pages > 2000 {
			t.Fatal("crawl does not end")
		}
	}
	for _, want := range []string{"/disclosures", "/plans/" + planID, "/plans/" + planID + "/verify", "/stats", "/reports",
		"/reports?period=2026-Q4", "/reports?plan=" + planID, "/enterprises/" + f.records[0].USCC} {
		if !seen[want] {
			t.Errorf("the crawl never reached %s", want)
		}
	}
	t.Logf("crawled %d pages", pages)
}
