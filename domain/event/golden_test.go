package event

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// goldenEnvelopes are fixed envelopes whose canonical bytes and hashes are pinned by
// TestCanonicalGolden. Each one's PrevHash, when set, is the prev hash it is hashed on;
// otherwise it is hashed on the hash of the envelope before it ("" for the first).
func goldenEnvelopes() []Envelope {
	at := time.Date(2025, 3, 1, 9, 0, 0, 123456789, time.UTC)
	cst := time.FixedZone("CST", 8*3600)
	return []Envelope{
		{ // 0: an ordinary event, first of its stream
			ID: "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Stream: "enterprise-91330100000000001X", Version: 1,
			Type: "directory.enterprise_registered.v1", OccurredAt: at, RecordedAt: at.Add(time.Second).Truncate(time.Microsecond),
			Actor: Actor{ID: "import", Role: "system"}, CommandID: "import-1",
			Payload: json.RawMessage(`{"uscc":"91330100000000001X","name":"杭州示例贸易有限公司","registered_capital":1000000,"scope":"经营范围：食品销售；"}`),
		},
		{ // 1: payload with whitespace, HTML characters, U+2028, escapes and numbers; times in +08:00
			ID: "id-2", Stream: "enterprise-91330100000000001X", Version: 2, Type: "directory.enterprise_renamed.v1",
			OccurredAt: time.Date(2025, 3, 2, 17, 30, 0, 5000, cst), RecordedAt: time.Date(2025, 3, 2, 17, 30, 1, 0, cst),
			Actor: Actor{ID: "u-1", Role: "clerk"}, CommandID: "cmd-2",
			Payload: json.RawMessage(" {\n  \"name\" : \"A <b> & C\u2028D\u2029\",\t\"esc\": \"\\u00e9\\n\\\"\\/\\u2028\",\r\n  \"n\": [ -0.5e+10 , 0, 1E3, true, false, null ], \"o\": { } , \"a\" : [ ] } \n"),
		},
		{ // 2: tricky string fields, no payload, zero times, an upper-case prev hash
			ID: "q\"uote\\back\x00\x01\x1f\x7f\b\f\n\r\t", Stream: "<html>&amp;\u2028\u2029", Version: 1 << 40,
			Type: "bad\xffutf8\xc3 emoji 🙂 中文", Actor: Actor{ID: "\xed\xa0\x80 surrogate", Role: "\u00e9"},
			CommandID: "c\xe2\x80", PrevHash: strings.Repeat("AB", 32),
		},
		{ // 3: a payload with invalid UTF-8 and control-free oddities inside strings, a scalar-free array
			ID: "id-4", Stream: "s", Version: 3, Type: "t.v1",
			OccurredAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), RecordedAt: time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
			Actor: Actor{}, CommandID: "c",
			Payload: json.RawMessage("[\"bad\xff\xc3\", \"\x7f\", \"<\\u003c>\", \"\xe2\x80\xa8\"]"),
		},
		{ // 4: a scalar payload with surrounding whitespace, a short prev hash
			ID: "id-5", Stream: "s", Version: 4, Type: "t.v1", OccurredAt: at.In(cst), RecordedAt: at,
			CommandID: "c", Payload: json.RawMessage("  \"<&>\"\n"), PrevHash: "00ff",
		},
	}
}

// golden are goldenEnvelopes' canonical bytes and hashes, as written by the implementation
// of CanonicalBytes that every existing log was sealed with (encoding/json Marshal of the
// canonical struct after json.Compact of the payload). They must never change: a change
// breaks the verification of every log already written.
var golden = []struct{ canonical, hash string }{
	{"{\"id\":\"0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\",\"stream\":\"enterprise-91330100000000001X\",\"version\":1,\"type\":\"directory.enterprise_registered.v1\",\"occurred_at\":\"2025-03-01T09:00:00.123456789Z\",\"recorded_at\":\"2025-03-01T09:00:01.123456Z\",\"actor\":{\"id\":\"import\",\"role\":\"system\"},\"command_id\":\"import-1\",\"payload\":{\"uscc\":\"91330100000000001X\",\"name\":\"杭州示例贸易有限公司\",\"registered_capital\":1000000,\"scope\":\"经营范围：食品销售；\"}}",
		"0229d47c8e9a8f79bec231a189cd6fbef36d6436534b6c32148d2b2eeb88e96c"},
	{"{\"id\":\"id-2\",\"stream\":\"enterprise-91330100000000001X\",\"version\":2,\"type\":\"directory.enterprise_renamed.v1\",\"occurred_at\":\"2025-03-02T09:30:00.000005Z\",\"recorded_at\":\"2025-03-02T09:30:01Z\",\"actor\":{\"id\":\"u-1\",\"role\":\"clerk\"},\"command_id\":\"cmd-2\",\"payload\":{\"name\":\"A \\u003cb\\u003e \\u0026 C\\u2028D\\u2029\",\"esc\":\"\\u00e9\\n\\\"\\/\\u2028\",\"n\":[-0.5e+10,0,1E3,true,false,null],\"o\":{},\"a\":[]}}",
		"0c8b1411dc6e3cef7c721688fa45916390b72a84256b419a15fed0c6308cdf9b"},
	{"{\"id\":\"q\\\"uote\\\\back\\u0000\\u0001\\u001f\x7f\\b\\f\\n\\r\\t\",\"stream\":\"\\u003chtml\\u003e\\u0026amp;\\u2028\\u2029\",\"version\":1099511627776,\"type\":\"bad\\ufffdutf8\\ufffd emoji 🙂 中文\",\"occurred_at\":\"0001-01-01T00:00:00Z\",\"recorded_at\":\"0001-01-01T00:00:00Z\",\"actor\":{\"id\":\"\\ufffd\\ufffd\\ufffd surrogate\",\"role\":\"é\"},\"command_id\":\"c\\ufffd\\ufffd\",\"payload\":null}",
		"d0e80b4d872f9d205632b1e06eb7c21acc563e0697b014be4b6be97f60b7de6a"},
	{"{\"id\":\"id-4\",\"stream\":\"s\",\"version\":3,\"type\":\"t.v1\",\"occurred_at\":\"9999-12-31T23:59:59.999999999Z\",\"recorded_at\":\"0001-01-01T00:00:00.000000001Z\",\"actor\":{\"id\":\"\",\"role\":\"\"},\"command_id\":\"c\",\"payload\":[\"bad\xff\xc3\",\"\x7f\",\"\\u003c\\u003c\\u003e\",\"\\u2028\"]}",
		"32d4f197426cc8b81eaba92d108138fc27c67040bcc2caba6730ea34c7c3ccec"},
	{"{\"id\":\"id-5\",\"stream\":\"s\",\"version\":4,\"type\":\"t.v1\",\"occurred_at\":\"2025-03-01T09:00:00.123456789Z\",\"recorded_at\":\"2025-03-01T09:00:00.123456789Z\",\"actor\":{\"id\":\"\",\"role\":\"\"},\"command_id\":\"c\",\"payload\":\"\\u003c\\u0026\\u003e\"}",
		"0e83ad35b02d80164cf0ba989e165d65ef62b8f8a43cee9c7b7bfc2811fb4614"},
}

func TestCanonicalGolden(t *testing.T) {
	envs := goldenEnvelopes()
	if len(envs) != len(golden) {
		t.Fatalf("%d envelopes, %d golden values", len(envs), len(golden))
	}
	prev := ""
	for i, e := range envs {
		if e.PrevHash != "" {
			prev = e.PrevHash
		}
		b, err := e.CanonicalBytes()
		if err != nil {
			t.Fatalf("envelope %d: CanonicalBytes: %v", i, err)
		}
		if string(b) != golden[i].canonical {
			t.Errorf("envelope %d: canonical bytes\n got %q\nwant %q", i, b, golden[i].canonical)
		}
		h, err := e.ComputeHash(prev)
		if err != nil || h != golden[i].hash {
			t.Errorf("envelope %d: ComputeHash(%q) = %q, %v; want %q", i, prev, h, err, golden[i].hash)
		}
		sealed := e
		if err := sealed.Seal(prev); err != nil || sealed.Hash != golden[i].hash || sealed.PrevHash != prev {
			t.Errorf("envelope %d: Seal(%q) = hash %q prev %q, %v; want %q", i, prev, sealed.Hash, sealed.PrevHash, err, golden[i].hash)
		}
		prev = golden[i].hash
	}
}

// TestCanonicalErrors: what does not hash still does not, with the same messages.
func TestCanonicalErrors(t *testing.T) {
	e := goldenEnvelopes()[0]
	for _, tc := range []struct {
		payload, prev, want string
	}{
		{`{"a":}`, "", "event 0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b: payload is not JSON: invalid character '}' looking for beginning of value"},
		{`{"a":1}}`, "", "event 0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b: payload is not JSON: invalid character '}' after top-level value"},
		{`{"a":1`, "", "event 0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b: payload is not JSON: unexpected end of JSON input"},
		{`{"a":1}`, "abc", "event 0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b: prev hash is not hex: encoding/hex: odd length hex string"},
		{`{"a":1}`, "zz", "event 0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b: prev hash is not hex: encoding/hex: invalid byte: U+007A 'z'"},
	} {
		e.Payload = json.RawMessage(tc.payload)
		if _, err := e.ComputeHash(tc.prev); err == nil || err.Error() != tc.want {
			t.Errorf("ComputeHash(%q) of payload %s = %v, want %s", tc.prev, tc.payload, err, tc.want)
		}
	}
}
