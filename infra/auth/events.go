package auth

import "time"

// Event types (stable wire names).
const (
	TokenIssued  = "auth.token_issued.v1"
	TokenRevoked = "auth.token_revoked.v1"
)

// TokenStream is the stream of one token: issued, then perhaps revoked.
func TokenStream(id string) string { return "token-" + id }

// TokenIssuedV1 records a token by its hash; the plaintext is never recorded.
type TokenIssuedV1 struct {
	TokenID     string     `json:"token_id"`
	SHA256      string     `json:"sha256"` // hex SHA-256 of the plaintext token
	Role        Role       `json:"role"`
	Department  string     `json:"department,omitempty"`
	InspectorID string     `json:"inspector_id,omitempty"`
	Name        string     `json:"name,omitempty"`
	IssuedAt    time.Time  `json:"issued_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

type TokenRevokedV1 struct {
	TokenID   string    `json:"token_id"`
	Reason    string    `json:"reason,omitempty"`
	RevokedAt time.Time `json:"revoked_at"`
}
