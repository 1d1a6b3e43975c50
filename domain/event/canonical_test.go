package event

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// The implementation of CanonicalBytes and ComputeHash that every log before the direct
// encoder was sealed with, verbatim: the reference the differential tests compare against.
// (canonicalSlow in canonical.go is the same code, kept as the fallback; this copy does not
// move with it.)

type oldCanonical struct {
	ID         string          `json:"id"`
	Stream     string          `json:"stream"`
	Version    uint64          `json:"version"`
	Type       string          `json:"type"`
	OccurredAt string          `json:"occurred_at"`
	RecordedAt string          `json:"recorded_at"`
	Actor      Actor           `json:"actor"`
	CommandID  string          `json:"command_id"`
	Payload    json.RawMessage `json:"payload"`
}

func oldCanonicalBytes(e Envelope) ([]byte, error) {
	var payload bytes.Buffer
	if len(e.Payload) > 0 {
		if err := json.Compact(&payload, e.Payload); err != nil {
			return nil, fmt.Errorf("event %s: payload is not JSON: %w", e.ID, err)
		}
	} else {
		payload.WriteString("null")
	}
	return json.Marshal(oldCanonical{
		ID: e.ID, Stream: e.Stream, Version: e.Version, Type: e.Type,
		OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano),
		RecordedAt: e.RecordedAt.UTC().Format(time.RFC3339Nano),
		Actor:      e.Actor, CommandID: e.CommandID, Payload: payload.Bytes(),
	})
}

func oldComputeHash(e Envelope, prevHash string) (string, error) {
	prev, err := hex.DecodeString(prevHash)
	if err != nil {
		return "", fmt.Errorf("event %s: prev hash is not hex: %w", e.ID, err)
	}
	body, err := oldCanonicalBytes(e)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sameAsOld fails t unless CanonicalBytes, AppendCanonical, ComputeHash and CheckHash agree
// with the old implementation on e (the same bytes, or the same error message).
func sameAsOld(t *testing.T, e Envelope, prev string) {
	t.Helper()
	want, wantErr := oldCanonicalBytes(e)
	got, err := e.CanonicalBytes()
	if fmt.Sprint(err) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) {
		t.Fatalf("envelope %+v:\nCanonicalBytes = %q, %v\nold            = %q, %v", e, got, err, want, wantErr)
	}
	pre := []byte("prefix")
	got, err = e.AppendCanonical(pre)
	switch {
	case wantErr != nil && (err == nil || string(got) != "prefix"):
		t.Fatalf("AppendCanonical = %q, %v; want the prefix alone and %v", got, err, wantErr)
	case wantErr == nil && (err != nil || !bytes.Equal(got, append([]byte("prefix"), want...))):
		t.Fatalf("AppendCanonical = %q, %v; want the prefix and %q", got, err, want)
	}
	wantHash, wantErr := oldComputeHash(e, prev)
	h, err := e.ComputeHash(prev)
	if h != wantHash || fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("envelope %+v:\nComputeHash(%q) = %q, %v\nold = %q, %v", e, prev, h, err, wantHash, wantErr)
	}
	for _, claimed := range []string{wantHash, strings.ToUpper(wantHash), "", "00"} {
		e.Hash = claimed
		ok, err := e.CheckHash(prev)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || ok != (wantErr == nil && claimed == wantHash) {
			t.Fatalf("CheckHash(%q) with hash %q = %v, %v; old hash %q, %v", prev, claimed, ok, err, wantHash, wantErr)
		}
	}
}

// trickyStrings are strings every escape rule of encoding/json meets.
var trickyStrings = []string{
	"", "plain", `q"uote`, `back\slash`, "new\nline\ttab\rcr", "ctl\x00\x01\x1f\x7f", "\b\f",
	"中文 企业", "line\u2028sep\u2029", "<html>&amp;", "bad\xffutf8\xc3", "emoji 🙂", "\xe2\x80", "\xe2\x80\xa8\xe2\x80\xa9",
	"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf", "a\u00e9\u0301", "\ufffd", "\ufeffbom", strings.Repeat("长", 1000),
}

// trickyPayloads are JSON values (and some that are not), with whitespace, escapes and
// every character the compaction escapes, inside and outside strings.
var trickyPayloads = []string{
	`{"k":"v"}`, ` { "k" : "v" , "n" : [ 1 , 2 ] } `, "\t\r\n[\n]\n", `"s"`, `  12  `, `-0`, `-0.0e-0`, `1E+3`,
	`0.5`, `true`, `false`, `null`, `{}`, `[]`, `[[[[]]]]`, `{"a":{"b":{"c":[{}]}}}`,
	`"<>&"`, `{"<":">"}`, "\"\u2028\u2029\"", "\"\xe2\x80\xa8\"", "\"\xe2\x80\"", "\"\xe2\xe2\x80\xa9\"", `"\u2028"`,
	`"\u003c\/\"\\\b\f\n\r\t\uABCD\uabcd"`, "\"bad\xff\xc3\"", "\"\x7f\"", `"中文"`, "\"🙂\"",
	`{"a":1,}`, `[1,]`, `{"a"}`, `{"a":}`, `{1:2}`, `[1 2]`, `01`, `1.`, `.5`, `1e`, `1e+`, `-`, `+1`, `tru`, `nul`,
	`truex`, `"abc`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\x00b\"", "\"a\x1fb\"", "\"tab\tin\"", `{"a":1}}`, `{"a":1} x`,
	` `, `[`, `]`, `{`, `}`, `"`, `\`, `nulltrue`, `1 2`, "\xef\xbb\xbf{}", `{"a" "b"}`, `{"a":1 "b":2}`, `[1,,2]`,
	`{"a":[1,{"b":"}]"}],"c":"\"{"}`, `NaN`, `Infinity`, `-Infinity`, `1e309`, `123456789012345678901234567890`,
}

func TestCanonicalMatchesOld(t *testing.T) {
	at := time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.UTC)
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("odd", -(3*3600 + 17*60 + 5))}
	for i, s := range trickyStrings {
		for j, p := range trickyPayloads {
			e := Envelope{ID: s, Stream: "s-" + s, Version: uint64(i*j) << (j % 60), Type: s + "t",
				OccurredAt: at.Add(time.Duration(i*j) * time.Hour).In(zones[j%3]), RecordedAt: at.In(zones[i%3]),
				Actor: Actor{ID: s, Role: trickyStrings[j%len(trickyStrings)]}, CommandID: s, Payload: json.RawMessage(p)}
			sameAsOld(t, e, strings.Repeat("ab", i%3*16))
		}
	}
	// Empty and nil payloads, zero times, prev hashes of every shape.
	for _, prev := range []string{"", "00", "AbCdEf", "abc", "zz", "0g", strings.Repeat("f", 64)} {
		sameAsOld(t, Envelope{ID: "x", Payload: nil}, prev)
		sameAsOld(t, Envelope{ID: "x", Payload: json.RawMessage{}}, prev)
	}
	// Years outside 0–9999, which RFC 3339 cannot write but Format does.
	for _, y := range []int{-1, 0, 10000, 292277026} {
		sameAsOld(t, Envelope{OccurredAt: time.Date(y, 1, 1, 0, 0, 0, 1, time.UTC), Payload: json.RawMessage(`1`)}, "")
	}
}

func TestCanonicalRandomMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const pieces = "{}[],:\" \t\n\r\\/u0123aAfFeE+-.<>&\x00\x1f\x7f\xe2\x80\xa8\xa9\xff\xc3trufalsn9"
	for range 200_000 {
		// A valid value with some bytes changed, or random bytes from the pieces above.
		var p []byte
		if rng.IntN(2) == 0 {
			p = []byte(trickyPayloads[rng.IntN(len(trickyPayloads))])
			p = append(p, trickyPayloads[rng.IntN(len(trickyPayloads))]...)
			for range rng.IntN(3) {
				if len(p) > 0 {
					p[rng.IntN(len(p))] = pieces[rng.IntN(len(pieces))]
				}
			}
		} else {
			p = make([]byte, rng.IntN(12))
			for i := range p {
				p[i] = pieces[rng.IntN(len(pieces))]
			}
		}
		s := trickyStrings[rng.IntN(len(trickyStrings))]
		sameAsOld(t, Envelope{ID: s, Type: "t", Payload: p}, "")
	}
}

func TestCanonicalDeepAndBig(t *testing.T) {
	for _, depth := range []int{maxCompactDepth - 1, maxCompactDepth, maxCompactDepth + 1, 10000, 10001, 20000} {
		for _, open := range []string{"[", `{"a":`} {
			closer := map[string]string{"[": "]", `{"a":`: "}"}[open]
			p := strings.Repeat(open, depth) + "1" + strings.Repeat(closer, depth)
			sameAsOld(t, Envelope{ID: "deep", Payload: json.RawMessage(p)}, "")
		}
	}
	// A payload of some megabytes, with whitespace and escapes all through it.
	var b strings.Builder
	b.WriteString("{\n")
	for i := range 50_000 {
		fmt.Fprintf(&b, "  \"k%d\" : [ \"<a href=\\\"x\\\">&amp;\u2028中文\" , %d.5e-3 , true , null ] ,\n", i, i)
	}
	b.WriteString(`"end":{}}`)
	sameAsOld(t, Envelope{ID: "big", Payload: json.RawMessage(b.String())}, "")
	// A compact big payload, the common case.
	var c bytes.Buffer
	_ = json.Compact(&c, []byte(b.String()))
	sameAsOld(t, Envelope{ID: "big", Payload: c.Bytes()}, "")
}

// appendCompactHTML takes exactly what encoding/json's scanner takes (up to its depth
// limit), and writes what json.Marshal writes for it as a RawMessage.
func checkCompact(t *testing.T, src []byte) {
	t.Helper()
	got, ok := appendCompactHTML([]byte("pre"), src)
	valid := json.Valid(src)
	if ok != valid && !(valid && bytes.Count(src, []byte("["))+bytes.Count(src, []byte("{")) >= maxCompactDepth) {
		t.Fatalf("appendCompactHTML(%q) ok = %v, json.Valid = %v", src, ok, valid)
	}
	if !ok {
		if string(got) != "pre" {
			t.Fatalf("appendCompactHTML(%q) failed but wrote %q", src, got)
		}
		return
	}
	want, err := json.Marshal(json.RawMessage(src))
	if err != nil || string(got) != "pre"+string(want) {
		t.Fatalf("appendCompactHTML(%q) = %q, json.Marshal = %q, %v", src, got, want, err)
	}
}

func TestCompactMatchesEncodingJSON(t *testing.T) {
	for _, p := range trickyPayloads {
		checkCompact(t, []byte(p))
	}
}

// FuzzCanonicalBytes: the direct encoder against the old implementation, on any envelope.
//
//	go test -run '^$' -fuzz FuzzCanonicalBytes ./domain/event/
func FuzzCanonicalBytes(f *testing.F) {
	for i, s := range trickyStrings {
		p := trickyPayloads[i%len(trickyPayloads)]
		f.Add(s, "stream-"+s, uint64(i), "t.v1", s, "role", "cmd", int64(1740819600+i*86400), int64(i*12345), int32(i*3600), []byte(p), "")
	}
	for i, p := range trickyPayloads {
		f.Add("id", "s", uint64(1)<<i%64, "t", "a", "r", "c", int64(-62135596800), int64(0), int32(-i*60), []byte(p), strings.Repeat("Ab", i%40))
	}
	f.Add("id", "s", uint64(1), "t", "a", "r", "c", int64(253402300799), int64(999999999), int32(0), []byte(" {\"a\" : \"\\u2028<\"}\n"), "zz")
	f.Fuzz(func(t *testing.T, id, stream string, version uint64, typ, actor, role, cmd string, sec, nsec int64, zone int32, payload []byte, prev string) {
		loc := time.FixedZone("z", int(zone%(18*3600)))
		at := time.Unix(sec%(1<<44), nsec).In(loc)
		e := Envelope{ID: id, Stream: stream, Version: version, Type: typ, OccurredAt: at, RecordedAt: at.Add(time.Duration(nsec)),
			Actor: Actor{ID: actor, Role: role}, CommandID: cmd, Payload: payload, PrevHash: prev}
		sameAsOld(t, e, prev)
		checkCompact(t, payload)
	})
}

// FuzzCompact: the payload compaction alone against encoding/json.
//
//	go test -run '^$' -fuzz FuzzCompact ./domain/event/
func FuzzCompact(f *testing.F) {
	for _, p := range trickyPayloads {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, src []byte) { checkCompact(t, src) })
}

func BenchmarkComputeHash(b *testing.B) {
	notes := strings.Repeat("经营范围：食品销售；", 12)
	payload, _ := json.Marshal(map[string]any{
		"uscc": "91330100000000001X", "name": "杭州示例贸易有限公司1", "region": "330106",
		"address": "浙江省杭州市西湖区文三路 100 号", "legal_representative": "张三",
		"industry": "F5121", "registered_capital": 1000000, "established": "2015-06-01", "scope": notes,
	})
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	e := Envelope{ID: "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Stream: "enterprise-91330100000000001X", Version: 1,
		Type: "directory.enterprise_registered.v1", OccurredAt: at, RecordedAt: at, Actor: Actor{ID: "import", Role: "system"},
		CommandID: "import", Payload: payload}
	prev := strings.Repeat("ab", 32)
	b.Run("old", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := oldComputeHash(e, prev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ComputeHash", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.ComputeHash(prev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CheckHash", func(b *testing.B) {
		b.ReportAllocs()
		e.Hash, _ = e.ComputeHash(prev)
		for b.Loop() {
			if ok, err := e.CheckHash(prev); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
}
