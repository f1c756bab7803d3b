package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestExampleConfig checks that lectern.example.toml parses and documents
// every configuration key.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	path := "../../lectern.example.toml"
	cfg, err := LoadConfig(path, []string{"LECTERN_DATA_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	def, _ := LoadConfig("", []string{"LECTERN_DATA_DIR=" + cfg.DataDir})
	if !reflect.DeepEqual(cfg, def) {
		t.Errorf("the example's values differ from the defaults:\nexample %+v\ndefault %+v", cfg, def)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for key := range cfg.fields() {
		if !strings.Contains(string(text), key+" =") {
			t.Errorf("lectern.example.toml does not document %s", key)
		}
	}
}
