// Package validation is the edge check of every command (validator/v10) and the zh/en
// wording of every field-level problem, chosen per request from Accept-Language.
package validation

import (
	"errors"
	"reflect"
	"regexp"
	"strings"

	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	en_tr "github.com/go-playground/validator/v10/translations/en"
	zh_tr "github.com/go-playground/validator/v10/translations/zh"
	"golang.org/x/text/language"

	"github.com/choucha/choucha/commands"
	"github.com/choucha/choucha/domain/directory"
)

// Lang is a supported message language.
type Lang string

const (
	ZH Lang = "zh"
	EN Lang = "en"
)

var matcher = language.NewMatcher([]language.Tag{language.Chinese, language.English})

// FromAcceptLanguage picks zh or en; Chinese is the default for a Chinese authority.
func FromAcceptLanguage(header string) Lang {
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return ZH
	}
	_, idx, _ := matcher.Match(tags...)
	if idx == 1 {
		return EN
	}
	return ZH
}

// Validator is built once at start and shared: validator.Validate is safe for concurrent use.
type Validator struct {
	v     *validator.Validate
	trans map[Lang]ut.Translator
}

var (
	inspectorID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$`)
	itemCode    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)
)

// New registers the custom tags and both languages' messages.
func New() *Validator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	must(v.RegisterValidation("uscc", func(fl validator.FieldLevel) bool {
		return directory.ValidateUSCC(strings.ToUpper(strings.TrimSpace(fl.Field().String()))) == nil
	}))
	must(v.RegisterValidation("region", func(fl validator.FieldLevel) bool {
		return directory.ValidRegionCode(fl.Field().String())
	}))
	must(v.RegisterValidation("inspector_id", func(fl validator.FieldLevel) bool {
		return inspectorID.MatchString(fl.Field().String())
	}))
	must(v.RegisterValidation("item_code", func(fl validator.FieldLevel) bool {
		return itemCode.MatchString(fl.Field().String())
	}))
	uni := ut.New(zh.New(), zh.New(), en.New())
	tzh, _ := uni.GetTranslator("zh")
	ten, _ := uni.GetTranslator("en")
	must(zh_tr.RegisterDefaultTranslations(v, tzh))
	must(en_tr.RegisterDefaultTranslations(v, ten))
	for tag, msgs := range customTags {
		for lang, tr := range map[Lang]ut.Translator{ZH: tzh, EN: ten} {
			msg := msgs[lang]
			must(v.RegisterTranslation(tag, tr, func(t ut.Translator) error {
				return t.Add(tag, msg, true)
			}, func(t ut.Translator, fe validator.FieldError) string {
				s, _ := t.T(fe.Tag(), fe.Field())
				return s
			}))
		}
	}
	return &Validator{v: v, trans: map[Lang]ut.Translator{ZH: tzh, EN: ten}}
}

var customTags = map[string]map[Lang]string{
	"uscc":         {ZH: "{0}不是有效的统一社会信用代码（GB 32100-2015）", EN: "{0} is not a valid unified social credit code (GB 32100-2015)"},
	"region":       {ZH: "{0}不是有效的行政区划代码（GB/T 2260，6位）", EN: "{0} is not a valid region code (GB/T 2260, 6 digits)"},
	"inspector_id": {ZH: "{0}只能包含字母、数字、下划线和连字符", EN: "{0} may contain only letters, digits, '_' and '-'"},
	"item_code":    {ZH: "{0}只能包含字母、数字、点、下划线和连字符", EN: "{0} may contain only letters, digits, '.', '_' and '-'"},
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// Check validates s and returns every problem, worded in lang, at the given CSV line (0: none).
func (v *Validator) Check(lang Lang, s any, line int) []commands.Issue {
	err := v.v.Struct(s)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return []commands.Issue{{Line: line, Code: "invalid", Message: Message(lang, "invalid", "", "")}}
	}
	tr := v.trans[lang]
	out := make([]commands.Issue, 0, len(ves))
	for _, fe := range ves {
		is := commands.Issue{Line: line, Field: fieldPath(fe), Code: fe.Tag(), Param: fe.Param(), Message: fe.Translate(tr)}
		if fe.Tag() == "uscc" {
			// Say which part of the code is wrong: length, characters, or a check digit.
			if s, ok := fe.Value().(string); ok {
				for _, de := range directory.FieldErrors(directory.ValidateUSCC(strings.ToUpper(strings.TrimSpace(s)))) {
					is.Code, is.Param, is.Message = de.Code, de.Param, Message(lang, de.Code, is.Field, de.Param)
				}
			}
		}
		out = append(out, is)
	}
	return out
}

// fieldPath drops the Go struct name: "RegisterEnterprise.uscc" → "uscc", keeping "conflicts[2]".
func fieldPath(fe validator.FieldError) string {
	ns := fe.Namespace()
	if i := strings.IndexByte(ns, '.'); i >= 0 {
		ns = ns[i+1:]
	}
	// Embedded structs (Meta, EnterpriseFields) have no JSON name and leave an empty segment.
	parts := strings.Split(ns, ".")
	kept := parts[:0]
	for _, p := range parts {
		if p != "" && p != "EnterpriseFields" && p != "InspectorFields" && p != "ItemFields" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ".")
}

// CheckRows validates every imported row and returns every problem with its line.
func CheckRows[T any](v *Validator, lang Lang, rows []commands.Row[T]) []commands.Issue {
	var out []commands.Issue
	for _, r := range rows {
		out = append(out, v.Check(lang, r.Fields, r.Line)...)
		if len(out) > 1000 {
			return append(out[:1000], commands.Issue{Code: "too_many_issues", Param: "1000", Message: Message(lang, "too_many_issues", "", "1000")})
		}
	}
	return out
}
