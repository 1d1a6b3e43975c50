package httpapi

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// openAPI builds the OpenAPI 3.1 document from the route table, so the two cannot drift;
// schemas come from the Go types' json tags and validate tags.
func openAPI(routes []route, version string) map[string]any {
	schemas := map[string]any{}
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		op := map[string]any{"operationId": rt.name, "summary": rt.summary}
		var params []any
		for _, name := range pathParams(rt.path) {
			params = append(params, map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		for _, q := range rt.query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
		}
		if rt.method != "GET" {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header",
				"description": "Command id: a repeated key appends nothing and returns the first outcome.",
				"schema":      map[string]any{"type": "string", "maxLength": 100}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		switch {
		case rt.csv:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"text/csv": map[string]any{"schema": map[string]any{"type": "string", "description": "UTF-8, header row of the JSON field names"}}}}
		case rt.in != nil:
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{
				"application/json": map[string]any{"schema": schemaRef(reflect.TypeOf(rt.in), schemas)}}}
		}
		ok := map[string]any{"description": "OK"}
		if rt.out != nil {
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaRef(reflect.TypeOf(rt.out), schemas)}}
		}
		responses := map[string]any{"200": ok}
		if rt.method == "POST" && createsRecord(rt.name) {
			responses = map[string]any{"201": ok}
		}
		errResp := map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
		if rt.public {
			responses["429"] = errResp
			op["x-roles"] = []string{"public"}
		} else {
			responses["401"] = errResp
			responses["403"] = errResp
			op["security"] = []any{map[string]any{"bearer": []any{}}}
			roles := []string{"admin"}
			for _, r := range rt.roles {
				roles = append(roles, string(r))
			}
			op["x-roles"] = roles
		}
		if rt.in != nil || rt.csv || len(rt.query) > 0 {
			responses["400"] = errResp
		}
		if strings.Contains(rt.path, "{") {
			responses["404"] = errResp
		}
		op["responses"] = responses
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	schemas["Error"] = map[string]any{"type": "object", "properties": map[string]any{"error": map[string]any{
		"type": "object", "required": []string{"code", "message"},
		"properties": map[string]any{
			"code":    map[string]any{"type": "string"},
			"message": map[string]any{"type": "string", "description": "zh or en, by Accept-Language"},
			"issues": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
				"line": map[string]any{"type": "integer"}, "field": map[string]any{"type": "string"},
				"code": map[string]any{"type": "string"}, "param": map[string]any{"type": "string"},
				"message": map[string]any{"type": "string"}}}},
		}}}}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "choucha API", "version": version,
			"description": "双随机、一公开 market supervision. /api/v1 needs a bearer token; each operation's " +
				"x-roles lists who may call it. admin (DATA/admin.token): everything, including tokens. " +
				"regulator (one department, token from `choucha token issue` or POST /api/v1/tokens): " +
				"directory reads, plans, reviews of its department's tasks. inspector (one roster entry): " +
				"only the tasks it is assigned to. public (no token): /healthz, /openapi.json, /metrics, " +
				"/public/*, rate-limited per client IP (429 with Retry-After). A missing or invalid token " +
				"is 401, a role not allowed 403; neither appends anything."},
		"paths":      paths,
		"components": map[string]any{"schemas": schemas, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}}},
	}
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func pathParams(p string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(p, -1) {
		out = append(out, m[1])
	}
	return out
}

// schemaRef returns a $ref for named structs (recording their schema) or an inline schema.
func schemaRef(t reflect.Type, schemas map[string]any) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32, reflect.Uint:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": schemaRef(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaRef(t.Elem(), schemas)}
	case reflect.Struct:
		if t.PkgPath() == "time" {
			return map[string]any{"type": "string", "format": "date-time"}
		}
		name := schemaName(t)
		if _, done := schemas[name]; !done {
			schemas[name] = nil // break cycles
			props := map[string]any{}
			var required []string
			structProps(t, schemas, props, &required)
			s := map[string]any{"type": "object", "properties": props}
			if len(required) > 0 {
				s["required"] = required
			}
			schemas[name] = s
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

// structProps flattens embedded structs, as encoding/json does.
func structProps(t reflect.Type, schemas, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				structProps(ft, schemas, props, required)
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := schemaRef(f.Type, schemas)
		tag := f.Tag.Get("validate")
		for _, rule := range strings.Split(tag, ",") {
			k, v, _ := strings.Cut(rule, "=")
			switch k {
			case "required":
				*required = append(*required, name)
			case "oneof":
				if s["type"] == "string" {
					s["enum"] = strings.Fields(v)
				}
			case "max":
				n, _ := strconv.Atoi(v)
				switch s["type"] {
				case "string":
					s["maxLength"] = n
				case "array":
					s["maxItems"] = n
				}
			case "datetime":
				s["format"] = "date"
			case "uscc":
				s["pattern"] = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
				s["description"] = "统一社会信用代码, GB 32100-2015 check digit"
			case "region":
				s["pattern"] = "^[0-9]{6}$"
				s["description"] = "GB/T 2260 region code"
			}
		}
		props[name] = s
	}
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func schemaName(t reflect.Type) string {
	return nonWord.ReplaceAllString(t.Name(), "_")
}

// createsRecord names the routes that answer 201: those that make a new record.
func createsRecord(name string) bool {
	for _, p := range []string{"register_", "create_", "request_", "issue_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
