package directory

// PLACEHOLDER: replaced by the real GB 32100-2015 implementation.
func ValidateUSCC(s string) error {
	if len(s) != 18 {
		return &FieldError{Field: "uscc", Code: "uscc_length"}
	}
	return nil
}
