package pages

import (
	"slices"
	"strings"
)

// AddressErrors are the messages of the addresses field and of each listed
// address ("addresses[2]"), in field order.
func (f InstallForm) AddressErrors() []string {
	var keys []string
	for k := range f.Errors {
		if k == "addresses" || strings.HasPrefix(k, "addresses[") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = f.Errors[k]
	}
	return out
}
