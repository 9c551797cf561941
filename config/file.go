package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// file applies a YAML file. A file that cannot be read or parsed stops Load;
// problems with single keys are collected like the others.
func (l *loader) file(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: read file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config: parse %s: %w", path, err)
	}
	if len(doc.Content) == 0 { // empty file
		return nil
	}
	root := resolve(doc.Content[0])
	if isNull(root) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config: %s: the top level must be a mapping of keys", path)
	}
	l.mapping(path, "", root)
	return nil
}

// mapping walks one YAML mapping whose keys continue prefix.
func (l *loader) mapping(path, prefix string, n *yaml.Node) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], resolve(n.Content[i+1])
		name := prefix + kn.Value
		where := fmt.Sprintf("%s line %d", path, kn.Line)
		if seen[name] {
			l.fail(name, "set twice (%s)", where)
			continue
		}
		seen[name] = true
		if k, ok := keyByName[name]; ok {
			l.value(k, vn, where)
			continue
		}
		if !sections[name] {
			l.fail(name, "unknown key (%s)", where)
			continue
		}
		switch {
		case isNull(vn):
		case vn.Kind == yaml.MappingNode:
			l.mapping(path, name+".", vn)
		default:
			l.fail(name, "must be a mapping of keys (%s)", where)
		}
	}
}

// value applies one key's YAML value. A scalar goes through the same parser
// as the environment, so both forms accept exactly the same text.
func (l *loader) value(k *key, n *yaml.Node, where string) {
	var err error
	switch {
	case isNull(n):
		return
	case n.Kind == yaml.ScalarNode:
		err = k.set(l.cfg, n.Value)
	case k.setNode != nil:
		err = k.setNode(l.cfg, n)
	default:
		err = errors.New("must be a single value")
	}
	if err != nil {
		l.fail(k.name, "%v (%s)", err, where)
		return
	}
	l.set[k.name] = true
}

// resolve follows a YAML alias to its anchor.
func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func setOriginsNode(c *Config, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return errors.New("must be a list of origins")
	}
	c.H5.Origins = nil
	for _, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.ScalarNode {
			return errors.New("must be a list of origins")
		}
		c.H5.Origins = append(c.H5.Origins, strings.TrimSpace(item.Value))
	}
	return nil
}

// setBuyersNode reads buyers field by field rather than with Decode, so an
// unquoted all-digit tax number stays text and unknown fields are caught.
func setBuyersNode(c *Config, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return errors.New("must be a list of {title, tax_number}")
	}
	buyers := make([]Buyer, 0, len(n.Content))
	for i, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode {
			return fmt.Errorf("item %d: must be a mapping with title and tax_number", i)
		}
		var b Buyer
		for j := 0; j+1 < len(item.Content); j += 2 {
			kn, vn := item.Content[j], resolve(item.Content[j+1])
			if vn.Kind != yaml.ScalarNode {
				return fmt.Errorf("item %d: %s: must be a single value", i, kn.Value)
			}
			switch kn.Value {
			case "title":
				b.Title = vn.Value
			case "tax_number":
				b.TaxNumber = vn.Value
			default:
				return fmt.Errorf("item %d: unknown field %q", i, kn.Value)
			}
		}
		buyers = append(buyers, b)
	}
	c.Company.Buyers = buyers
	return nil
}
