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
