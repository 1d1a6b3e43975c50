package directory

// PLACEHOLDER: replaced by the GB/T 2260 list.
func ValidRegionCode(s string) bool { return len(s) == 6 }
