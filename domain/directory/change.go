package directory

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Change is an event a directory decision produced, before it is enveloped.
type Change struct {
	Type    string
	Payload any
}

// RegisterEnterprise is the change that creates an enterprise.
func RegisterEnterprise(e Enterprise) Change {
	return Change{EnterpriseRegistered, EnterpriseRegisteredV1{Enterprise: e}}
}

// UpdateEnterprise returns the changes that turn cur into next: an update for everything but
// the tier, then a tier change if the tier or its date moved. Nothing if they are equal.
func UpdateEnterprise(cur, next Enterprise) []Change {
	var out []Change
	body := next
	body.Tier, body.TierSetOn = cur.Tier, cur.TierSetOn
	if body != cur {
		out = append(out, Change{EnterpriseUpdated, EnterpriseUpdatedV1{Enterprise: body}})
	}
	if next.Tier != cur.Tier || next.TierSetOn != cur.TierSetOn {
		out = append(out, Change{EnterpriseTierChanged, EnterpriseTierChangedV1{USCC: cur.USCC, From: cur.Tier, To: next.Tier, SetOn: next.TierSetOn}})
	}
	return out
}

// ChangeTier is the change for a monthly tier refresh.
func ChangeTier(cur Enterprise, to Tier, setOn string) (Change, error) {
	var errs fieldErrors
	if !to.Valid() {
		errs.add("credit_tier", "oneof", "A B C D")
	}
	validDate(&errs, "tier_set_on", setOn)
	if err := errs.err(); err != nil {
		return Change{}, err
	}
	return Change{EnterpriseTierChanged, EnterpriseTierChangedV1{USCC: cur.USCC, From: cur.Tier, To: to, SetOn: setOn}}, nil
}

func RegisterItem(it Item) Change { return Change{ItemRegistered, ItemRegisteredV1{Item: it}} }

// UpdateItem returns nothing when the item is unchanged.
func UpdateItem(cur, next Item) []Change {
	if cur == next {
		return nil
	}
	return []Change{{ItemUpdated, ItemUpdatedV1{Item: next}}}
}

func RegisterInspector(in Inspector) Change {
	return Change{InspectorRegistered, InspectorRegisteredV1{Inspector: in}}
}

// UpdateInspector keeps Active and Conflicts as they are (they have their own events).
func UpdateInspector(cur, next Inspector) []Change {
	next.Active, next.Conflicts = cur.Active, cur.Conflicts
	if reflect.DeepEqual(cur, next) {
		return nil
	}
	return []Change{{InspectorUpdated, InspectorUpdatedV1{Inspector: next}}}
}

// DeactivateInspector refuses an inspector who is already inactive.
func DeactivateInspector(cur Inspector, reason string) (Change, error) {
	var errs fieldErrors
	if !cur.Active {
		errs.add("active", "already_inactive", "")
	}
	requireText(&errs, "reason", reason, 500)
	if err := errs.err(); err != nil {
		return Change{}, err
	}
	return Change{InspectorDeactivated, InspectorDeactivatedV1{ID: cur.ID, Reason: reason}}, nil
}

// DeclareConflict refuses an invalid USCC or a conflict already declared.
func DeclareConflict(cur Inspector, uscc, reason string) (Change, error) {
	var errs fieldErrors
	if err := ValidateUSCC(uscc); err != nil {
		errs = append(errs, err)
	} else if cur.ConflictsWith(uscc) {
		errs.add("uscc", "already_declared", "")
	}
	requireText(&errs, "reason", reason, 500)
	if err := errs.err(); err != nil {
		return Change{}, err
	}
	return Change{InspectorConflictDeclared, InspectorConflictDeclaredV1{ID: cur.ID, USCC: uscc, Reason: reason}}, nil
}

// ApplyEnterprise folds one event into an enterprise (the one place its state changes).
func ApplyEnterprise(e *Enterprise, typ string, payload []byte) error {
	switch typ {
	case EnterpriseRegistered:
		var p EnterpriseRegisteredV1
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		*e = p.Enterprise
	case EnterpriseUpdated:
		var p EnterpriseUpdatedV1
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		tier, on := e.Tier, e.TierSetOn
		*e = p.Enterprise
		e.Tier, e.TierSetOn = tier, on
	case EnterpriseTierChanged:
		var p EnterpriseTierChangedV1
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		e.Tier, e.TierSetOn = p.To, p.SetOn
	default:
		return fmt.Errorf("enterprise: unknown event type %q", typ)
	}
	return nil
}

// ApplyItem folds one event into an item.
func ApplyItem(it *Item, typ string, payload []byte) error {
	switch typ {
	case ItemRegistered, ItemUpdated:
		var p ItemRegisteredV1
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		*it = p.Item
	default:
		return fmt.Errorf("item: unknown event type %q", typ)
	}
	return nil
}

// ApplyInspector folds one event into an inspector.
func ApplyInspector(in *Inspector, typ string, payload []byte) error {
	switch typ {
	case InspectorRegistered:
		var p InspectorRegisteredV1
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		*in = p.Inspector
	case InspectorUpdated:
		var p InspectorUpdatedV1
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		active, conflicts := in.Active, in.Conflicts
		*in = p.Inspector
		in.Active, in.Conflicts = active, conflicts
	case InspectorDeactivated:
		in.Active = false
	case InspectorConflictDeclared:
		var p InspectorConflictDeclaredV1
		if err := json.Unmarshal(payload, &p); err != nil {
			return fmt.Errorf("%s: %w", typ, err)
		}
		in.DeclareConflict(p.USCC)
	default:
		return fmt.Errorf("inspector: unknown event type %q", typ)
	}
	return nil
}
