package opencast

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds of an agent's configuration entry.
const (
	maxConfigKey   = 255
	maxConfigValue = 4096
)

// parseConfiguration reads an agent's configuration as agents send it:
// a JSON object, Java properties as XML (Galicaster's <properties> of
// <entry key="…">), or Java properties as text (key=value lines).
func parseConfiguration(text string) (map[string]string, error) {
	cfg := map[string]string{}
	var err error
	switch t := strings.TrimSpace(text); {
	case t == "":
		return nil, errors.New("the configuration field is empty")
	case strings.HasPrefix(t, "{"):
		err = configJSON(t, cfg)
	case strings.HasPrefix(t, "<"):
		err = configXML(t, cfg)
	default:
		err = configProperties(t, cfg)
	}
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// addConfig checks and adds one entry.
func addConfig(cfg map[string]string, key, value string) error {
	switch {
	case key == "" || len(key) > maxConfigKey || !utf8.ValidString(key) || strings.ContainsFunc(key, unicode.IsControl):
		return fmt.Errorf("key %q: 1 to %d characters, no control characters", clip(key), maxConfigKey)
	case len(value) > maxConfigValue || !utf8.ValidString(value) ||
		strings.ContainsFunc(value, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return fmt.Errorf("value of %q: at most %d bytes of text", clip(key), maxConfigValue)
	case len(cfg) >= maxConfigEntries:
		return fmt.Errorf("more than %d entries", maxConfigEntries)
	}
	cfg[key] = value
	return nil
}

func configJSON(text string, cfg map[string]string) error {
	var m map[string]any
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return fmt.Errorf("JSON: %w", err)
	}
	for k, v := range m {
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case float64, bool:
			s = fmt.Sprint(v)
		case nil:
		default:
			return fmt.Errorf("value of %q: a string, number or boolean", clip(k))
		}
		if err := addConfig(cfg, k, s); err != nil {
			return err
		}
	}
	return nil
}

// configXML reads Java's XML properties. encoding/xml expands no entity
// but XML's five (a DOCTYPE's are ignored), so no entity can grow the
// text or read a file.
func configXML(text string, cfg map[string]string) error {
	d := xml.NewDecoder(strings.NewReader(text))
	var key *string
	var value strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "entry" {
				for _, a := range t.Attr {
					if a.Name.Local == "key" {
						k := a.Value
						key = &k
					}
				}
				if key == nil {
					return errors.New("XML: an entry without a key")
				}
				value.Reset()
			}
		case xml.CharData:
			if key != nil {
				if value.Len()+len(t) > maxConfigValue {
					return fmt.Errorf("value of %q: at most %d bytes of text", clip(*key), maxConfigValue)
				}
				value.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local == "entry" && key != nil {
				if err := addConfig(cfg, *key, value.String()); err != nil {
					return err
				}
				key = nil
			}
		}
	}
}

// configProperties reads Java properties as text: key=value, key: value
// or key value lines, # and ! comments, backslash escapes (\n, \t,
// \uXXXX) and lines continued by a final backslash.
func configProperties(text string, cfg map[string]string) error {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continued(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		// The key ends at the first unescaped =, : or white space.
		end := len(line)
		for j := 0; j < len(line); j++ {
			if line[j] == '\\' {
				j++
				continue
			}
			if strings.IndexByte("=: \t\f", line[j]) >= 0 {
				end = j
				break
			}
		}
		rest := strings.TrimLeft(line[end:], " \t\f")
		if rest != "" && (rest[0] == '=' || rest[0] == ':') {
			rest = strings.TrimLeft(rest[1:], " \t\f")
		}
		if err := addConfig(cfg, unescapeProperty(line[:end]), unescapeProperty(rest)); err != nil {
			return err
		}
	}
	return nil
}

// continued reports whether line ends with an odd number of backslashes.
func continued(line string) bool {
	n := len(line) - len(strings.TrimRight(line, `\`))
	return n%2 == 1
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r', 'f':
		case 'u':
			if i+4 < len(s) {
				if n, err := strconv.ParseUint(s[i+1:i+5], 16, 16); err == nil {
					b.WriteRune(rune(n))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
