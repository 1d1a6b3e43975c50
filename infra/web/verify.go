package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"

	"github.com/choucha/choucha/domain/plan"
	"github.com/choucha/choucha/infra/validation"
)

// maxShown bounds the mismatches listed on the page (a wrong seed differs at every pick).
const maxShown = 500

type verifyData struct {
	Plan    publicPlan
	PlanURL string
	Action  string
	Checks  []check
	Strata  []stratumCheck
	AllOK   bool // every public check that could run passed
	Upload  *uploadResult
	// UploadError is a problem with the uploaded file (shown beside the form).
	UploadError string
	MaxUpload   string
}

type uploadResult struct {
	Match      bool
	Mismatches []mismatchRow
	More       int // mismatches not listed
	Strata     int
	Drawn      int
}

// mismatchRow is one difference, worded. Values are shown only for fields that are public
// anyway (counts, sizes, commitments, ratios, seeds, labels); never a pool entry, a tier, a
// stratum's drawn entry or anything about inspectors.
type mismatchRow struct {
	Against string // "recompute" or "published", worded
	Where   string // stratum label or task
	Field   string
	Index   string
	Why     string
	Want    string
	Got     string
	Hidden  bool
}

func (s *Site) verifyForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := s.publicPlan(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderVerify(w, rq, http.StatusOK, s.verifyData(rq, p))
}

func (s *Site) verifyData(rq *request, p publicPlan) verifyData {
	cs, strata := publicChecks(rq, p)
	d := verifyData{Plan: p, PlanURL: rq.link("/plans/" + p.ID), Action: rq.link("/plans/" + p.ID + "/verify"),
		Checks: cs, Strata: strata, AllOK: true, MaxUpload: strconv.Itoa(MaxUpload>>20) + " MiB"}
	for _, c := range cs {
		if !c.OK && !c.Pending {
			d.AllOK = false
		}
	}
	return d
}

func (s *Site) renderVerify(w http.ResponseWriter, rq *request, status int, d verifyData) error {
	return s.render(w, rq, status, "verify", tr(rq.lang, "verify.title")+" · "+d.Plan.Title, "plans", d)
}

func (s *Site) verifyUpload(w http.ResponseWriter, r *http.Request, rq *request) error {
	p, err := s.publicPlan(r, r.PathValue("id"))
	if err != nil {
		return err
	}
	d := s.verifyData(rq, p)
	select {
	case s.verifying <- struct{}{}:
		defer func() { <-s.verifying }()
	default:
		return &httpError{status: http.StatusServiceUnavailable, key: "err.busy"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxUpload)
	a, status, key, param := readExport(r)
	if key != "" {
		d.UploadError = tr(rq.lang, key, param)
		return s.renderVerify(w, rq, status, d)
	}
	res, ok := compareExport(rq, p, a)
	if !ok {
		d.UploadError = tr(rq.lang, "upload.unusable")
		return s.renderVerify(w, rq, http.StatusBadRequest, d)
	}
	d.Upload = &res
	return s.renderVerify(w, rq, http.StatusOK, d)
}

// readExport reads the "export" part of a multipart form as plan.AuditData. On failure it
// returns a status and a message key with its parameter.
func readExport(r *http.Request) (a plan.AuditData, status int, key, param string) {
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return a, http.StatusBadRequest, "upload.multipart", ""
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return a, http.StatusBadRequest, "upload.missing", ""
		}
		if tooLarge(err) {
			return a, http.StatusRequestEntityTooLarge, "upload.too_large", strconv.Itoa(MaxUpload >> 20)
		}
		if err != nil {
			return a, http.StatusBadRequest, "upload.multipart", ""
		}
		if part.FormName() != "export" {
			continue
		}
		err = json.NewDecoder(part).Decode(&a)
		switch {
		case tooLarge(err):
			return a, http.StatusRequestEntityTooLarge, "upload.too_large", strconv.Itoa(MaxUpload >> 20)
		case errors.Is(err, io.EOF):
			return a, http.StatusBadRequest, "upload.empty", ""
		case err != nil:
			return a, http.StatusBadRequest, "upload.json", jsonProblem(err)
		}
		return a, http.StatusOK, "", ""
	}
}

// jsonProblem words a decoding error without quoting the file.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "offset " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return te.Field + " (" + te.Value + ")"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end"
	}
	msg := []rune(err.Error()) // our own types' errors (a ratio out of range, …)
	return string(msg[:min(len(msg), 120)])
}

// publicFields are the Recompute fields whose values may be shown.
var publicFields = map[string]bool{"algorithm": true, "seed_sources": true, "label": true, "pool_size": true,
	"pool_sha256": true, "ratio": true, "count": true, "plan": true, "strata": true}

// compareExport recomputes the export (plan.Recompute) and compares it with the published
// data. ok is false if the export could not be recomputed at all.
func compareExport(rq *request, p publicPlan, a plan.AuditData) (res uploadResult, ok bool) {
	l := rq.lang
	var rows []mismatchRow
	add := func(against, where, field string, index int, want, got string) {
		row := mismatchRow{Against: tr(l, "against."+against), Where: where, Field: field, Want: want, Got: got}
		if index >= 0 {
			row.Index = strconv.Itoa(index)
		}
		row.Why = whyText(l, against, field, where)
		row.Hidden = isTask(where) || !publicFields[field]
		if against == "published" && field == "drawn" && got == "" {
			row.Hidden, row.Got = false, tr(l, "verify.absent") // a published USCC is public
		}
		if row.Hidden {
			row.Want, row.Got = "", ""
		}
		rows = append(rows, row)
	}

	var mms []plan.Mismatch
	func() {
		defer func() {
			if e := recover(); e != nil {
				slog.Warn("recompute of an uploaded export failed", "plan", p.ID, "panic", fmt.Sprint(e))
				ok = false
			}
		}()
		_, mms = plan.Recompute(a)
		ok = true
	}()
	if !ok {
		return res, false
	}
	for _, m := range mms {
		where := m.Stratum
		if m.Task != "" {
			where = taskPrefix + m.Task
		}
		add("recompute", where, m.Field, m.Index, m.Want, m.Got)
	}

	// The export against what was published.
	if a.Plan != p.ID {
		add("published", "", "plan", -1, p.ID, a.Plan)
	}
	if a.Algorithm != p.Algorithm {
		add("published", "", "algorithm", -1, p.Algorithm, a.Algorithm)
	}
	if !slices.EqualFunc(a.SeedSources, p.SeedSources, slices.Equal) {
		add("published", "", "seed_sources", -1, fmt.Sprint(p.SeedSources), fmt.Sprint(a.SeedSources))
	}
	if len(a.Strata) != len(p.Strata) {
		add("published", "", "strata", -1, strconv.Itoa(len(p.Strata)), strconv.Itoa(len(a.Strata)))
	}
	for i := range min(len(a.Strata), len(p.Strata)) {
		e, pb := a.Strata[i], p.Strata[i]
		where := pb.Label
		if e.Label != pb.Label {
			add("published", where, "label", i, pb.Label, e.Label)
		}
		if e.PoolSize != pb.PoolSize {
			add("published", where, "pool_size", -1, strconv.Itoa(pb.PoolSize), strconv.Itoa(e.PoolSize))
		}
		if e.PoolSHA256 != pb.PoolSHA256 {
			add("published", where, "pool_sha256", -1, pb.PoolSHA256, e.PoolSHA256)
		}
		if e.Ratio != pb.Ratio {
			add("published", where, "ratio", -1, pb.Ratio.String(), e.Ratio.String())
		}
		if e.Count != pb.Count {
			add("published", where, "count", -1, strconv.Itoa(pb.Count), strconv.Itoa(e.Count))
		}
	}
	published := make(map[string]bool, len(p.Drawn))
	for _, u := range p.Drawn {
		published[u] = true
	}
	inExport := make(map[string]bool, len(p.Drawn))
	for _, st := range a.Strata {
		res.Strata++
		for j, u := range st.Drawn {
			res.Drawn++
			inExport[u] = true
			if !published[u] {
				add("published", st.Label, "drawn", j, "", "x") // the export's entry is not echoed
			}
		}
	}
	for i, u := range p.Drawn {
		if !inExport[u] {
			add("published", tr(l, "verify.published_list"), "drawn", i, u, "")
		}
	}

	res.Match = len(rows) == 0
	if len(rows) > maxShown {
		res.More = len(rows) - maxShown
		rows = rows[:maxShown]
	}
	res.Mismatches = rows
	return res, true
}

const taskPrefix = "task "

func isTask(where string) bool {
	return len(where) > len(taskPrefix) && where[:len(taskPrefix)] == taskPrefix
}

// whyText explains a mismatch; task-level ones share one explanation.
func whyText(l validation.Lang, against, field, where string) string {
	if isTask(where) {
		return tr(l, "why.task")
	}
	key := "why." + against + "." + field
	if hasKey(key) {
		return tr(l, key)
	}
	return tr(l, "why."+against)
}
