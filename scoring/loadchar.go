package scoring

import (
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/candor-project/candor"
)

const charKeys = "id, description, types, condition, aggregate, field, currency, window, bins, other, reason_code, reason_text, action, undefined"

// characteristics decodes the characteristics of a fitted scorecard; their
// messages name them as rules' do.
func (p *parser) characteristics(v *yaml.Node) []candor.Characteristic {
	p.chars = true
	nodes := p.list(v, -1, "", "characteristics")
	out := make([]candor.Characteristic, len(nodes))
	p.ruleLines = make([]map[string]int, len(nodes))
	p.conds = make([]*yaml.Node, len(nodes))
	for i, n := range nodes {
		c := &out[i]
		lines := map[string]int{"": n.Line}
		p.ruleLines[i] = lines
		if n.Kind != yaml.MappingNode {
			p.at(n, i, "", "", "each characteristic is a mapping of %s", charKeys)
			continue
		}
		c.ID = idOf(n)
		id := truncate(c.ID)
		p.mapping(n, i, id, charKeys, func(key string, v *yaml.Node) bool {
			lines[key] = v.Line
			switch key {
			case "id":
				p.str(v, i, id, key)
			case "description":
				c.Description = p.str(v, i, id, key)
			case "types":
				for _, t := range p.list(v, i, id, key) {
					c.EventTypes = append(c.EventTypes, p.str(t, i, id, key))
				}
			case "condition":
				c.Condition = p.str(v, i, id, key)
				p.conds[i] = v
			case "aggregate":
				a, err := candor.ParseAggregate(p.str(v, i, id, key))
				if err != nil {
					p.at(v, i, id, key, "%v", err)
				}
				c.Aggregate = a
			case "field":
				c.Field = p.str(v, i, id, key)
			case "currency":
				c.Currency = p.str(v, i, id, key)
			case "window":
				if s := p.str(v, i, id, key); s != "" {
					d, err := candor.ParseRetention(s)
					if err != nil {
						p.at(v, i, id, key, "want a period like 24m (months of 30 days), 2y or 90d")
					}
					c.Window = d
				}
			case "bins":
				c.Bins = p.bins(v, i, id)
			case "other":
				c.Other = p.int(v, i, id, key)
			case "reason_code":
				c.ReasonCode = p.str(v, i, id, key)
			case "reason_text":
				c.ReasonText = p.str(v, i, id, key)
			case "action":
				c.Action = p.str(v, i, id, key)
			case "undefined":
				c.Undefined = p.str(v, i, id, key)
			default:
				return false
			}
			return true
		})
	}
	return out
}

func (p *parser) bins(v *yaml.Node, i int, id string) []candor.Bin {
	var out []candor.Bin
	for _, n := range p.list(v, i, id, "bins") {
		if n.Kind != yaml.MappingNode {
			p.at(n, i, id, "bins", "each bin is a mapping of from, below, missing, values and points")
			continue
		}
		var b candor.Bin
		points := false
		p.mapping(n, i, id, "from, below, missing, values, points", func(key string, v *yaml.Node) bool {
			switch key {
			case "from":
				f := p.float(v, i, id, "bins")
				b.From = &f
			case "below":
				f := p.float(v, i, id, "bins")
				b.Below = &f
			case "missing":
				m, err := strconv.ParseBool(p.str(v, i, id, "bins"))
				if err != nil {
					p.at(v, i, id, "bins", "missing: want true or false")
				}
				b.Missing = m
			case "values":
				for _, s := range p.list(v, i, id, "bins") {
					b.Values = append(b.Values, p.str(s, i, id, "bins"))
				}
			case "points":
				b.Points, points = p.int(v, i, id, "bins"), true
			default:
				return false
			}
			return true
		})
		if !points {
			p.at(n, i, id, "bins", "points: required")
		}
		out = append(out, b)
	}
	return out
}
