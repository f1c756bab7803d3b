package benchkit

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// TestRounds: one untimed upload each first, then the other server goes
// second in even rounds and first in odd ones; an error stops the rounds.
func TestRounds(t *testing.T) {
	t.Parallel()
	var order []string
	upload := func(name string) Upload {
		return func(round int) (float64, error) {
			order = append(order, fmt.Sprint(name, round))
			return 100, nil
		}
	}
	if err := Rounds(3, 1<<20, upload("L"), "O", upload("O")); err != nil {
		t.Fatal(err)
	}
	want := []string{"L-1", "O-1", "L0", "O0", "O1", "L1", "L2", "O2"}
	if !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}

	order = nil
	if err := Rounds(2, 1<<20, upload("L"), "", nil); err != nil || !slices.Equal(order, []string{"L-1", "L0", "L1"}) {
		t.Errorf("Lectern alone: order %v, err %v", order, err)
	}

	broken := errors.New("broken")
	fail := func(round int) (float64, error) {
		if round == 1 {
			return 0, broken
		}
		return 1, nil
	}
	order = nil
	if err := Rounds(3, 1<<20, upload("L"), "O", fail); !errors.Is(err, broken) || !slices.Equal(order, []string{"L-1", "L0"}) {
		t.Errorf("failing other: order %v, err %v", order, err)
	}
}
