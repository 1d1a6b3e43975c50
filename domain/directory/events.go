package directory

// Stable event type names (never derived from Go type names). Payloads below.
const (
	ItemRegistered            = "directory.item_registered.v1"
	ItemUpdated               = "directory.item_updated.v1"
	EnterpriseRegistered      = "directory.enterprise_registered.v1"
	EnterpriseUpdated         = "directory.enterprise_updated.v1"
	EnterpriseTierChanged     = "directory.enterprise_tier_changed.v1"
	InspectorRegistered       = "directory.inspector_registered.v1"
	InspectorUpdated          = "directory.inspector_updated.v1"
	InspectorDeactivated      = "directory.inspector_deactivated.v1"
	InspectorConflictDeclared = "directory.inspector_conflict_declared.v1"
)

// Stream ids.
func ItemStream(code string) string       { return "item-" + code }
func EnterpriseStream(uscc string) string { return "enterprise-" + uscc }
func InspectorStream(id string) string    { return "inspector-" + id }

// ItemRegisteredV1 and ItemUpdatedV1 carry the whole item.
type ItemRegisteredV1 struct {
	Item Item `json:"item"`
}
type ItemUpdatedV1 struct {
	Item Item `json:"item"`
}

// EnterpriseRegisteredV1 carries the whole enterprise, tier included.
type EnterpriseRegisteredV1 struct {
	Enterprise Enterprise `json:"enterprise"`
}

// EnterpriseUpdatedV1 carries the whole enterprise; its tier is unchanged (tier changes
// have their own event so the tier history is explicit).
type EnterpriseUpdatedV1 struct {
	Enterprise Enterprise `json:"enterprise"`
}

// EnterpriseTierChangedV1: the tier and the date it was set.
type EnterpriseTierChangedV1 struct {
	USCC  string `json:"uscc"`
	From  Tier   `json:"from"`
	To    Tier   `json:"to"`
	SetOn string `json:"set_on"`
}

type InspectorRegisteredV1 struct {
	Inspector Inspector `json:"inspector"`
}

// InspectorUpdatedV1 carries the whole inspector; Active and Conflicts are unchanged
// (they have their own events).
type InspectorUpdatedV1 struct {
	Inspector Inspector `json:"inspector"`
}

type InspectorDeactivatedV1 struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type InspectorConflictDeclaredV1 struct {
	ID     string `json:"id"`
	USCC   string `json:"uscc"`
	Reason string `json:"reason"`
}
