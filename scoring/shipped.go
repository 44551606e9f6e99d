package scoring

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/candor-project/candor"
)

//go:embed scorecards/*.yaml
var shipped embed.FS

// Shipped compiles the scorecards shipped with Candor (rental-deposit,
// consumer-credit, business-compliance) against cat, in order of file name.
// Errors are as for Load.
func Shipped(cat *candor.Catalogue) ([]*Compiled, error) {
	return shippedWith(cat, Load)
}

// shippedWith is Shipped, compiling each file with load.
func shippedWith(cat *candor.Catalogue, load func(file string, source []byte, cat *candor.Catalogue) (*Compiled, error)) ([]*Compiled, error) {
	names, err := fs.Glob(shipped, "scorecards/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("scoring: %w", err)
	}
	out := make([]*Compiled, 0, len(names))
	for _, name := range names {
		data, err := shipped.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("scoring: %w", err)
		}
		c, err := load(name, data, cat)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
