package csvin_test

import (
	"strings"
	"testing"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/infra/csvin"
)

type row struct {
	Code   string   `json:"code" validate:"required"`
	Name   string   `json:"name" validate:"required"`
	Flag   bool     `json:"flag"`
	Active *bool    `json:"active"`
	List   []string `json:"list"`
	Hidden string   `json:"-"`
}

func decode(t *testing.T, s string) ([]commands.Row[row], []commands.Issue) {
	t.Helper()
	rows, issues, err := csvin.Decode[row](strings.NewReader(s), 0)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return rows, issues
}

func TestDecodeRowsWithLines(t *testing.T) {
	rows, issues := decode(t, "\xef\xbb\xbfcode, name ,flag,active,list\nA,甲,true,,x;y；z\n\"B\",\"乙\nline2\",是,false,\nC,丙,0,1, \n")
	if len(issues) > 0 {
		t.Fatalf("issues: %+v", issues)
	}
	if len(rows) != 3 {
		t.Fatalf("rows = %d, want 3", len(rows))
	}
	if rows[0].Line != 2 || rows[1].Line != 3 || rows[2].Line != 5 {
		t.Errorf("lines = %d %d %d, want 2 3 5 (a quoted newline spans a line)", rows[0].Line, rows[1].Line, rows[2].Line)
	}
	r := rows[0].Fields
	if r.Code != "A" || r.Name != "甲" || !r.Flag || r.Active != nil || strings.Join(r.List, "|") != "x|y|z" {
		t.Errorf("row 1 = %+v", r)
	}
	if !rows[1].Fields.Flag || rows[1].Fields.Active == nil || *rows[1].Fields.Active {
		t.Errorf("row 2 = %+v", rows[1].Fields)
	}
	if rows[2].Fields.Active == nil || !*rows[2].Fields.Active || rows[2].Fields.List != nil {
		t.Errorf("row 3 = %+v", rows[2].Fields)
	}
}

func TestDecodeOptionalColumnsMayBeOmitted(t *testing.T) {
	rows, issues := decode(t, "code,name\nA,甲\n")
	if len(issues) > 0 || len(rows) != 1 {
		t.Fatalf("rows %d issues %+v", len(rows), issues)
	}
}

func TestDecodeIssues(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []commands.Issue
	}{
		{"empty", "", []commands.Issue{{Line: 1, Code: "empty_file"}}},
		{"header only", "code,name\n", []commands.Issue{{Line: 2, Code: "no_rows"}}},
		{"missing required column", "code\nA\n", []commands.Issue{{Line: 1, Field: "name", Code: "missing_column"}}},
		{"unknown and repeated column", "code,name,code,extra\n", []commands.Issue{{Line: 1, Field: "code", Code: "duplicate_column"}, {Line: 1, Field: "extra", Code: "unknown_column"}}},
		{"hidden field is no column", "code,name,Hidden\n", []commands.Issue{{Line: 1, Field: "Hidden", Code: "unknown_column"}}},
		{"field count", "code,name\nA,甲\nB\n", []commands.Issue{{Line: 3, Code: "field_count", Param: "1"}}},
		{"bad bool", "code,name,flag\nA,甲,maybe\n", []commands.Issue{{Line: 2, Field: "flag", Code: "bool"}}},
		{"bad utf8", "code,name\nA,\xff\xfe\n", []commands.Issue{{Line: 2, Field: "name", Code: "utf8"}}},
		{"bare quote", "code,name\nA,甲\nB,x\"y\n", []commands.Issue{{Line: 3, Code: "csv_syntax", Param: "bare \" in non-quoted-field"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rows, issues := decode(t, tc.in)
			if rows != nil {
				t.Errorf("rows = %+v, want none when there are issues", rows)
			}
			if len(issues) != len(tc.want) {
				t.Fatalf("issues = %+v, want %+v", issues, tc.want)
			}
			for i := range issues {
				if issues[i] != tc.want[i] {
					t.Errorf("issue %d = %+v, want %+v", i, issues[i], tc.want[i])
				}
			}
		})
	}
}

func TestDecodeBoundsIssues(t *testing.T) {
	var b strings.Builder
	b.WriteString("code,name,flag\n")
	for range 5000 {
		b.WriteString("A,甲,maybe\n")
	}
	_, issues := decode(t, b.String())
	if len(issues) != csvin.MaxIssues+1 || issues[len(issues)-1].Code != "too_many_issues" {
		t.Fatalf("got %d issues, last %+v", len(issues), issues[len(issues)-1])
	}
}

func TestDecodeMaxRows(t *testing.T) {
	rows, issues, err := csvin.Decode[row](strings.NewReader("code,name\nA,1\nB,2\nC,3\n"), 2)
	if err != nil || rows != nil || len(issues) != 1 || issues[0].Line != 4 || issues[0].Code != "max" {
		t.Fatalf("rows %v issues %+v err %v", rows, issues, err)
	}
}

// FuzzDecode: any input yields rows or issues, never both, never a panic, and every issue
// points at a line of the input.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"code,name\nA,B\n", "code,name,flag,active,list\nA,B,true,false,x;y\n", "\xef\xbb\xbfcode,name\n\"a\"\"b\",c\n", "code\n", "", "code,name\nA,\"B\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rows, issues, err := csvin.Decode[row](strings.NewReader(s), 100)
		if err != nil {
			t.Fatalf("a reader over memory cannot fail: %v", err)
		}
		if (rows == nil) == (issues == nil) {
			t.Fatalf("want exactly one of rows (%d) and issues (%d)", len(rows), len(issues))
		}
		lines := strings.Count(s, "\n") + 2
		for _, is := range issues {
			if is.Line > lines || is.Code == "" {
				t.Fatalf("issue %+v out of range (%d lines)", is, lines)
			}
		}
		for _, r := range rows {
			if r.Line < 2 || r.Line > lines {
				t.Fatalf("row line %d out of range", r.Line)
			}
		}
	})
}
