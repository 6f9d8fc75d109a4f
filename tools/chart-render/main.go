// chart-render renders a Helm chart the way `helm template` does, for the subset of Helm the Binder chart keeps to,
// without helm and without a cluster: Go templates with sprig, `.Values` from the chart's values.yaml, values files
// (-f) and --set/--set-string, `.Release`, `.Chart`, `.Template`, and helm's own functions `include`, `tpl`,
// `required`, `toYaml`, `fromYaml`, `toJson`, `fromJson`. The merged values are checked against values.schema.json
// as helm checks them. There is no `lookup`, no `.Capabilities`, no `.Files` and no hooks: a chart that uses them
// fails here with Go's "function not defined" or a nil field, which is the point (they need a cluster or are not
// part of the subset the project documents).
//
// Build offline with Debian's packages (golang-go, golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev,
// golang-github-xeipuuv-gojsonschema-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o chart-render ./tools/chart-render
//
// Usage:
//
//	chart-render [-f values.yaml]... [--set k=v]... [--set-string k=v]... [--name R] [--namespace NS]
//	             [--output yaml|json] [--notes] CHART_DIR
//
// Exit codes: 0 rendered; 1 the chart or values are wrong (helm's message on stderr); 2 bad usage.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

type options struct {
	chartDir   string
	valueFiles []string
	sets       []string
	setStrings []string
	name       string
	namespace  string
	output     string
	notes      bool
}

func main() {
	opts, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(2)
	}
	out, err := run(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

func parseArgs(args []string) (options, error) {
	o := options{name: "release-name", namespace: "default", output: "yaml"}
	next := func(i *int, flag string) (string, error) {
		if *i+1 >= len(args) {
			return "", fmt.Errorf("%s needs a value", flag)
		}
		*i++
		return args[*i], nil
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		var err error
		switch {
		case a == "-f" || a == "--values":
			v, err = next(&i, a)
			o.valueFiles = append(o.valueFiles, v)
		case a == "--set":
			v, err = next(&i, a)
			o.sets = append(o.sets, v)
		case a == "--set-string":
			v, err = next(&i, a)
			o.setStrings = append(o.setStrings, v)
		case a == "--name":
			o.name, err = next(&i, a)
		case a == "--namespace" || a == "-n":
			o.namespace, err = next(&i, a)
		case a == "--output" || a == "-o":
			o.output, err = next(&i, a)
		case a == "--notes":
			o.notes = true
		case strings.HasPrefix(a, "-"):
			return o, fmt.Errorf("unknown flag %s", a)
		default:
			if o.chartDir != "" {
				return o, fmt.Errorf("one chart directory only (got %s and %s)", o.chartDir, a)
			}
			o.chartDir = a
		}
		if err != nil {
			return o, err
		}
	}
	if o.chartDir == "" {
		return o, errors.New("usage: chart-render [-f values.yaml]... [--set k=v]... [--name R] [--namespace NS] [--output yaml|json] [--notes] CHART_DIR")
	}
	if o.output != "yaml" && o.output != "json" {
		return o, fmt.Errorf("--output is yaml or json, not %q", o.output)
	}
	return o, nil
}

// rendered is one object of the output: the template it came from and the object itself.
type rendered struct {
	Source string      `json:"source"`
	Object interface{} `json:"object"`
	text   string
}

func run(o options) ([]byte, error) {
	chartMeta, err := readYamlFile(filepath.Join(o.chartDir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	chartName, _ := chartMeta["name"].(string)
	if chartName == "" {
		return nil, errors.New("Chart.yaml has no name")
	}
	values, err := readYamlFile(filepath.Join(o.chartDir, "values.yaml"))
	if err != nil {
		return nil, err
	}
	for _, f := range o.valueFiles {
		v, err := readYamlFile(f)
		if err != nil {
			return nil, err
		}
		values = mergeValues(values, v)
	}
	for _, s := range o.sets {
		if err := applySet(values, s, false); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %w", err)
		}
	}
	for _, s := range o.setStrings {
		if err := applySet(values, s, true); err != nil {
			return nil, fmt.Errorf("failed parsing --set-string data: %w", err)
		}
	}
	values = removeNulls(values).(map[string]interface{})
	// Helm reads values through JSON, so every number is a float64 in templates (a large integer prints as 1e+09):
	// the same conversion here, so the chart meets the same surprises.
	values = jsonRoundTrip(values).(map[string]interface{})
	if err := checkSchema(o.chartDir, chartName, values); err != nil {
		return nil, err
	}

	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": o.name, "Namespace": o.namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false,
			"Revision": 1,
		},
		"Chart": chartObject(chartMeta),
	}
	return renderTemplates(o, chartName, top)
}

func chartObject(meta map[string]interface{}) map[string]interface{} {
	c := map[string]interface{}{}
	for k, v := range meta {
		// Helm's .Chart is its Metadata struct: fields named in Go style (Name, Version, AppVersion, ApiVersion).
		key := strings.ToUpper(k[:1]) + k[1:]
		c[key] = v
	}
	return c
}

func readYamlFile(path string) (map[string]interface{}, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v map[string]interface{}
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if v == nil {
		v = map[string]interface{}{}
	}
	return v, nil
}

// mergeValues merges b into a as helm merges values files: maps merge key by key, anything else is replaced; a
// null removes the key (removeNulls, after every source is merged).
func mergeValues(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeValues(am, bm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func removeNulls(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		for k, e := range t {
			if e == nil {
				delete(t, k)
			} else {
				t[k] = removeNulls(e)
			}
		}
		return t
	case []interface{}:
		for i, e := range t {
			t[i] = removeNulls(e)
		}
	}
	return v
}

func jsonRoundTrip(v interface{}) interface{} {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out interface{}
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

// applySet applies one --set argument: comma-separated key=value pairs, keys with dots (a `\.` is a literal dot)
// and list indexes (`a[0].b`), values typed as helm types them (true/false, integers, null; everything with
// --set-string stays a string), and `{a,b}` for a list.
func applySet(values map[string]interface{}, arg string, asString bool) error {
	for _, pair := range splitUnescaped(arg, ',', true) {
		eq := strings.Index(pair, "=")
		if eq <= 0 {
			return fmt.Errorf("key %q has no value", pair)
		}
		key, raw := pair[:eq], pair[eq+1:]
		var value interface{}
		if !asString && strings.HasPrefix(raw, "{") && strings.HasSuffix(raw, "}") {
			var list []interface{}
			for _, item := range splitUnescaped(raw[1:len(raw)-1], ',', false) {
				list = append(list, typedValue(item, false))
			}
			value = list
		} else {
			value = typedValue(strings.ReplaceAll(raw, `\,`, ","), asString)
		}
		if err := setPath(values, splitUnescaped(key, '.', false), value); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}

// splitUnescaped splits s at sep where sep is not escaped with a backslash; braces keep their commas when
// keepBraces is set (a `{a,b}` list value).
func splitUnescaped(s string, sep byte, keepBraces bool) []string {
	var parts []string
	var cur strings.Builder
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == sep && !keepBraces:
			cur.WriteByte(sep)
			i++
		case c == '\\' && i+1 < len(s) && s[i+1] == sep:
			cur.WriteByte(c)
			cur.WriteByte(sep)
			i++
		case keepBraces && c == '{':
			depth++
			cur.WriteByte(c)
		case keepBraces && c == '}':
			depth--
			cur.WriteByte(c)
		case c == sep && depth == 0:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String())
}

func typedValue(raw string, asString bool) interface{} {
	if asString {
		return raw
	}
	switch raw {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	if i, err := strconv.ParseInt(raw, 10, 64); err == nil && (raw == "0" || !strings.HasPrefix(raw, "0")) {
		return i
	}
	return raw
}

var indexed = regexp.MustCompile(`^(.*)\[(\d+)\]$`)

func setPath(m map[string]interface{}, path []string, value interface{}) error {
	key := path[0]
	if match := indexed.FindStringSubmatch(key); match != nil {
		name := match[1]
		idx, _ := strconv.Atoi(match[2])
		list, _ := m[name].([]interface{})
		for len(list) <= idx {
			list = append(list, nil)
		}
		if len(path) == 1 {
			list[idx] = value
		} else {
			child, ok := list[idx].(map[string]interface{})
			if !ok {
				child = map[string]interface{}{}
			}
			if err := setPath(child, path[1:], value); err != nil {
				return err
			}
			list[idx] = child
		}
		m[name] = list
		return nil
	}
	if len(path) == 1 {
		m[key] = value
		return nil
	}
	child, ok := m[key].(map[string]interface{})
	if !ok {
		child = map[string]interface{}{}
		m[key] = child
	}
	return setPath(child, path[1:], value)
}

func checkSchema(chartDir, chartName string, values map[string]interface{}) error {
	schemaPath := filepath.Join(chartDir, "values.schema.json")
	schema, err := os.ReadFile(schemaPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	result, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewGoLoader(values))
	if err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if result.Valid() {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "values don't meet the specifications of the schema(s) in the following chart(s):\n%s:\n", chartName)
	for _, e := range result.Errors() {
		fmt.Fprintf(&b, "- %s\n", e)
	}
	return errors.New(strings.TrimSuffix(b.String(), "\n"))
}

func renderTemplates(o options, chartName string, top map[string]interface{}) ([]byte, error) {
	root := template.New("gotpl").Option("missingkey=zero")
	root.Funcs(funcMap(root))
	var names []string
	var notes string
	templatesDir := filepath.Join(o.chartDir, "templates")
	err := filepath.WalkDir(templatesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(o.chartDir, path)
		name := chartName + "/" + filepath.ToSlash(rel)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, err := root.New(name).Parse(string(data)); err != nil {
			return cleanError(err)
		}
		base := filepath.Base(path)
		switch {
		case base == "NOTES.txt":
			notes = name
		case strings.HasPrefix(base, "_"):
		default:
			names = append(names, name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(names)

	var objects []rendered
	for _, name := range names {
		text, err := execute(root, name, top)
		if err != nil {
			return nil, err
		}
		docs, err := splitManifest(name, text)
		if err != nil {
			return nil, err
		}
		objects = append(objects, docs...)
	}
	var notesText string
	if o.notes && notes != "" {
		if notesText, err = execute(root, notes, top); err != nil {
			return nil, err
		}
	}

	if o.output == "json" {
		out := map[string]interface{}{"objects": objects, "notes": notesText}
		if objects == nil {
			out["objects"] = []rendered{}
		}
		return json.MarshalIndent(out, "", "  ")
	}
	var b bytes.Buffer
	for _, r := range objects {
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", r.Source, r.text)
	}
	if notesText != "" {
		fmt.Fprintf(&b, "\nNOTES:\n%s\n", notesText)
	}
	return b.Bytes(), nil
}

func execute(root *template.Template, name string, top map[string]interface{}) (string, error) {
	data := map[string]interface{}{}
	for k, v := range top {
		data[k] = v
	}
	data["Template"] = map[string]interface{}{"Name": name, "BasePath": name[:strings.Index(name, "/templates/")+len("/templates")]}
	var b strings.Builder
	if err := root.ExecuteTemplate(&b, name, data); err != nil {
		return "", cleanError(err)
	}
	return strings.ReplaceAll(b.String(), "<no value>", ""), nil
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// splitManifest splits one template's output into its YAML documents, drops empty ones (a template switched off by
// an `if`), and parses each: output that is not YAML is an error naming the template, as helm's install reports it.
func splitManifest(source, text string) ([]rendered, error) {
	var out []rendered
	for _, doc := range docSeparator.Split(text, -1) {
		var obj interface{}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("YAML parse error on %s: %w", source, err)
		}
		if obj == nil {
			continue
		}
		if _, ok := obj.(map[string]interface{}); !ok {
			return nil, fmt.Errorf("YAML parse error on %s: a document is not a mapping", source)
		}
		out = append(out, rendered{Source: source, Object: obj, text: strings.Trim(doc, "\n")})
	}
	return out, nil
}

var (
	execLocation = regexp.MustCompile(`^template: ([^:]+:\d+:\d+): executing `)
	execCalling  = regexp.MustCompile(`error calling \w+: `)
)

// cleanError turns Go's template error into helm's wording: "execution error at (file:line:col): message", with
// the place in the template being rendered and the innermost message (a `required` inside an `include` says what
// was required, not that the include failed).
func cleanError(err error) error {
	msg := err.Error()
	loc := execLocation.FindStringSubmatch(msg)
	calls := execCalling.FindAllStringIndex(msg, -1)
	if loc != nil && calls != nil {
		return fmt.Errorf("execution error at (%s): %s", loc[1], msg[calls[len(calls)-1][1]:])
	}
	return errors.New(msg)
}

func funcMap(root *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	// Helm removes these: a chart must render the same everywhere.
	delete(f, "env")
	delete(f, "expandenv")
	f["toYaml"] = toYaml
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return jsonRoundTrip(m).(map[string]interface{})
	}
	f["toJson"] = func(v interface{}) string {
		b, err := json.Marshal(v)
		if err != nil {
			return ""
		}
		return string(b)
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	f["include"] = func(name string, data interface{}) (string, error) {
		var b strings.Builder
		if err := root.ExecuteTemplate(&b, name, data); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", fmt.Errorf("cannot parse template %q: %w", text, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %w", text, err)
		}
		return strings.ReplaceAll(b.String(), "<no value>", ""), nil
	}
	return f
}

// toYaml marshals as helm's does (through JSON, keys sorted, two-space indent), without the trailing newline.
func toYaml(v interface{}) string {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(jsonRoundTrip(v)); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}
