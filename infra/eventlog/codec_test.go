package eventlog

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/choucha/choucha/domain/event"
)

// appendRecord must write what encoding/json would, as far as decoding can tell.
func TestAppendRecordDecodesLikeEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", `q"uote`, `back\slash`, "new\nline\ttab\rcr", "ctl\x00\x01\x1f\x7f",
		"\b\f", "中文 企业", "line\u2028sep\u2029", "<html>&amp;", "bad\xffutf8\xc3", "emoji 🙂"}
	at := time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.UTC)
	for _, s := range strs {
		e := event.Envelope{ID: s, Stream: "s-" + s, Version: 7, Type: s, OccurredAt: at, RecordedAt: at.Add(time.Hour),
			Actor: event.Actor{ID: s, Role: s}, CommandID: s, Payload: json.RawMessage(`{"k":"v\u00e9<>","n":[1,2.5e3,null]}`),
			PrevHash: s, Hash: s}
		got := appendRecord(nil, &e)
		if !json.Valid(got) {
			t.Fatalf("appendRecord(%q) is not JSON: %s", s, got)
		}
		want, err := json.Marshal(record{ID: e.ID, Stream: e.Stream, Version: e.Version, Type: e.Type, OccurredAt: e.OccurredAt,
			RecordedAt: e.RecordedAt, Actor: e.Actor, CommandID: e.CommandID, Payload: e.Payload, PrevHash: e.PrevHash, Hash: e.Hash})
		if err != nil {
			t.Fatal(err)
		}
		var a, b record
		if err := json.Unmarshal(got, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(want, &b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Payload, e.Payload) {
			t.Errorf("payload %s came back as %s", e.Payload, a.Payload)
		}
		a.Payload, b.Payload = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Errorf("string %q:\nappendRecord decodes to %+v\nencoding/json decodes to %+v", s, a, b)
		}
	}
}

func TestAppendStringRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		buf := make([]byte, rng.IntN(24))
		for i := range buf {
			buf[i] = byte(rng.IntN(256))
			if rng.IntN(3) == 0 {
				buf[i] = "\"\\\n\x00a中"[rng.IntN(6)]
			}
		}
		s := string(buf)
		var got, want string
		if err := json.Unmarshal(appendString(nil, s), &got); err != nil {
			t.Fatalf("appendString(%q) = %s: %v", s, appendString(nil, s), err)
		}
		w, _ := json.Marshal(s)
		_ = json.Unmarshal(w, &want)
		if got != want {
			t.Fatalf("appendString(%q) decodes to %q, encoding/json's to %q", s, got, want)
		}
	}
}

func TestIsCompact(t *testing.T) {
	for p, want := range map[string]bool{
		`{"a":1}`: true, `{"a": 1}`: false, `{"a":"x y"}`: true, `{"a":"\" "}`: true, `{"a":"\\" }`: false,
		"[1,\n2]": false, `"\\\" "`: true, `null`: true, `{"a":"\\\\"}`: true,
	} {
		if got := isCompact([]byte(p)); got != want {
			t.Errorf("isCompact(%s) = %v, want %v", p, got, want)
		}
	}
}

// decodeRecord's direct parser must agree with encoding/json on everything it accepts.
func TestDecodeRecordAgreesWithEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	strs := []string{"", "plain", `q"uote`, `back\slash`, "new\nline", "中文", "bad\xffutf8", "<&>", "a\u2028b"}
	payloads := []string{`{"k":"v"}`, `{"a":{"b":[1,{"c":"}]"}]},"d":"\"{"}`, `[1,2,[3]]`, `"just a string"`, `"esc\"aped\\"`,
		`123`, `-1.5e3`, `null`, `true`, `{}`, `[]`, `{"x":"\u00e9\n"}`}
	at := time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.UTC)
	var inputs [][]byte
	for range 3000 {
		s := strs[rng.IntN(len(strs))]
		e := event.Envelope{ID: "id-" + s, Stream: "stream", Version: rng.Uint64N(1 << 40), Type: "t.v1", OccurredAt: at,
			RecordedAt: at.Add(time.Duration(rng.IntN(1e9))), Actor: event.Actor{ID: s, Role: "r"}, CommandID: "c" + s,
			Payload: json.RawMessage(payloads[rng.IntN(len(payloads))]), PrevHash: "ab", Hash: "cd"}
		rec := appendRecord(nil, &e)
		inputs = append(inputs, rec)
		std, _ := json.Marshal(record{ID: e.ID, Stream: e.Stream, Version: e.Version, Type: e.Type, OccurredAt: e.OccurredAt,
			RecordedAt: e.RecordedAt, Actor: e.Actor, CommandID: e.CommandID, Payload: e.Payload, PrevHash: e.PrevHash, Hash: e.Hash})
		inputs = append(inputs, std)
		for range 3 { // and with one byte changed
			m := bytes.Clone(rec)
			const junk = "\"{}[],:\\ 0a\x00\xff"
			m[rng.IntN(len(m))] = junk[rng.IntN(len(junk))]
			inputs = append(inputs, m)
		}
	}
	fast := 0
	for _, in := range inputs {
		var a, b record
		ok := fastDecode(in, &a)
		err := json.Unmarshal(in, &b)
		switch {
		case !ok:
			continue
		case err != nil:
			if json.Valid(a.Payload) {
				t.Fatalf("direct parser accepted %s (payload %s) that encoding/json rejects: %v", in, a.Payload, err)
			}
		case !reflect.DeepEqual(a, b):
			t.Fatalf("%s:\ndirect parser: %+v\nencoding/json: %+v", in, a, b)
		}
		fast++
	}
	t.Logf("direct parser took %d of %d inputs", fast, len(inputs))
	if fast < len(inputs)/6 { // 3 in 5 are mutated, and some strings need escapes
		t.Errorf("direct parser took only %d of %d inputs", fast, len(inputs))
	}
}

func FuzzDecodeRecord(f *testing.F) {
	at := time.Date(2025, 3, 1, 9, 0, 0, 1, time.UTC)
	for _, p := range []string{`{"k":"v"}`, `[1,"]"]`, `"s"`, `12`, `null`} {
		e := event.Envelope{ID: "i", Stream: "s", Version: 1, Type: "t", OccurredAt: at, RecordedAt: at,
			CommandID: "c", Payload: json.RawMessage(p), Hash: "h"}
		f.Add(appendRecord(nil, &e))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var a, b record
		if !fastDecode(in, &a) {
			return
		}
		if err := json.Unmarshal(in, &b); err != nil {
			if json.Valid(a.Payload) {
				t.Fatalf("direct parser accepted %q that encoding/json rejects: %v", in, err)
			}
			return
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%q:\ndirect parser: %+v\nencoding/json: %+v", in, a, b)
		}
	})
}

// oldIsCompact is isCompact as first written, byte by byte.
func oldIsCompact(p []byte) bool {
	inString := false
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && isSpace(c):
			return false
		}
	}
	return true
}

func TestIsCompactMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const pieces = "\"\\ \t\n\ra{}[]:,"
	for range 300_000 {
		p := make([]byte, rng.IntN(16))
		for i := range p {
			p[i] = pieces[rng.IntN(len(pieces))]
		}
		if isCompact(p) != oldIsCompact(p) {
			t.Fatalf("isCompact(%q) = %v, the old one %v", p, isCompact(p), oldIsCompact(p))
		}
	}
}

func FuzzIsCompact(f *testing.F) {
	for _, p := range []string{`{"a": "\\\" "}`, `"\\\\" `, `"\"`, `x"\\`, "[1,\n2]"} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		if isCompact(p) != oldIsCompact(p) {
			t.Fatalf("isCompact(%q) = %v, the old one %v", p, isCompact(p), oldIsCompact(p))
		}
	})
}

// parseUTC takes only what time.Parse(RFC3339Nano) takes, and gives the same time.
func checkParseUTC(t *testing.T, s string) {
	t.Helper()
	got, ok := parseUTC([]byte(s))
	if !ok {
		return
	}
	want, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || got != want {
		t.Fatalf("parseUTC(%q) = %v (%#v), time.Parse = %v (%#v), %v", s, got, got, want, want, err)
	}
}

func TestParseUTC(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	took := 0
	for range 200_000 {
		at := time.Unix(rng.Int64N(253402300800+62135596800)-62135596800, rng.Int64N(1e9)).UTC()
		switch rng.IntN(4) {
		case 0:
			at = at.Truncate(time.Second)
		case 1:
			at = at.Truncate(time.Microsecond)
		}
		s := at.Format(time.RFC3339Nano)
		if got, ok := parseUTC([]byte(s)); !ok || got != at {
			t.Fatalf("parseUTC(%q) = %v, %v; want %v", s, got, ok, at)
		}
		took++
		b := []byte(s)
		b[rng.IntN(len(b))] = "0123456789-:.TZz+ "[rng.IntN(18)]
		checkParseUTC(t, string(b))
	}
	for _, s := range []string{"2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
		"2025-04-31T00:00:00Z", "2025-12-31T23:59:60Z", "2025-01-01T24:00:00Z", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00.1234567890Z",
		"2025-01-01T00:00:00.000Z", "0000-01-01T00:00:00Z", "+025-01-01T00:00:00Z", "2025-01-01T00:00:00+00:00", "2025-1-01T00:00:00Z"} {
		checkParseUTC(t, s)
	}
}

func FuzzParseUTC(f *testing.F) {
	f.Add("2025-03-01T09:00:00.123456789Z")
	f.Add("2024-02-29T23:59:59Z")
	f.Fuzz(func(t *testing.T, s string) { checkParseUTC(t, s) })
}

// oldValue is parser.value as first written, byte by byte.
func (p *parser) oldValue() json.RawMessage {
	if !p.ok || p.i >= len(p.b) {
		p.ok = false
		return nil
	}
	start, depth := p.i, 0
	if isSpace(p.b[start]) {
		p.ok = false
		return nil
	}
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; c {
		case '"':
			for p.i++; p.i < len(p.b) && p.b[p.i] != '"'; p.i++ {
				if p.b[p.i] == '\\' {
					p.i++
				}
			}
			if p.i >= len(p.b) {
				p.ok = false
				return nil
			}
			if depth == 0 {
				p.i++
				return bytes.Clone(p.b[start:p.i])
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return p.scalar(start)
			}
			if depth--; depth == 0 {
				p.i++
				return bytes.Clone(p.b[start:p.i])
			}
		case ',':
			if depth == 0 {
				return p.scalar(start)
			}
		}
	}
	p.ok = false
	return nil
}

func checkValue(t *testing.T, in []byte) {
	t.Helper()
	a, b := parser{b: in, ok: true}, parser{b: in, ok: true}
	va, vb := a.value(), b.oldValue()
	if a.ok != b.ok || (a.ok && (a.i != b.i || !bytes.Equal(va, vb))) {
		t.Fatalf("value(%q) = %q at %d, ok %v; the old one %q at %d, ok %v", in, va, a.i, a.ok, vb, b.i, b.ok)
	}
}

func TestValueMatchesOld(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const pieces = "\"\\{}[],: 1ax"
	for range 300_000 {
		p := make([]byte, rng.IntN(14))
		for i := range p {
			p[i] = pieces[rng.IntN(len(pieces))]
		}
		checkValue(t, p)
	}
}

func FuzzValue(f *testing.F) {
	for _, p := range []string{`{"a":"\\\"}"},`, `1"x"`, `12]`, `[1,{"b":[]}]}`, `"\\\\",`, `tru{e}`} {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkValue(t, in) })
}
