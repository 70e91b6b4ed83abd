package logtest

import (
	"errors"
	"strings"
	"testing"
)

func TestLeak(t *testing.T) {
	var c Capture
	log := c.Logger()
	c.Remember("lstk_secretvalue", "")
	log.Info().Str("key_prefix", "lstk_secr").Msg("a key's prefix is fine")
	if err := c.Leak(); err != nil {
		t.Fatalf("a prefix was taken for the key: %v", err)
	}
	noBearer := func(logs string) error {
		if strings.Contains(strings.ToLower(logs), "bearer ") {
			return errors.New("an Authorization header was logged")
		}
		return nil
	}
	log.Info().Str("header", "Bearer x").Msg("oops")
	if err := c.Leak(noBearer); err == nil {
		t.Fatal("the extra check did not run")
	}
	log.Info().Str("key", "lstk_secretvalue").Msg("oops")
	err := c.Leak()
	if err == nil || strings.Contains(err.Error(), "lstk_secretvalue\"") && !strings.Contains(err.Error(), "(lstk_s…)") {
		t.Fatalf("the logged key was not found: %v", err)
	}
}
