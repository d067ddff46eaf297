// Package jsondepth checks how deeply a JSON document nests before it is
// decoded, so that a parser of outside data can refuse a hostile document
// with a clear error instead of recursing through it.
package jsondepth

// Exceeds reports whether data opens more than maxDepth objects or arrays
// inside one another. Brackets inside strings (escapes included) do not count.
// It reads the bytes only; data need not be valid JSON.
func Exceeds(data []byte, maxDepth int) bool {
	depth := 0
	inString, escaped := false, false
	for _, b := range data {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}
