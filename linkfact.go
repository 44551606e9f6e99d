package candor

import "sync"

// Link facts (issue 20). A registry says that two identifiers name one
// subject by posting an identity.linked event through the ordinary event
// paths (POST /v1/events in JSON, NDJSON or CloudEvents, CSV, NATS), and
// that such a link was wrong by posting identity.unlinked. The event's
// subject is the identifier the profile goes by; its fields name the
// other identifier (other_scheme, other_value). Both types are built in:
// every catalogue has them (Catalogue.Type returns them; a catalogue may
// not define types of those names), for either kind of subject, in the
// identity category, which serves no scoring purpose. Their facts are
// stored as events (with the other identifier pseudonymised as a
// reference is), so that they are validated, deduplicated and committed
// as every fact is; the link step itself is stored beside them (Link).

// The link fact types.
const (
	TypeLinked   = "identity.linked"
	TypeUnlinked = "identity.unlinked"
)

// The fields of a link fact.
const (
	LinkFieldScheme = "other_scheme"
	LinkFieldValue  = "other_value"
)

// LinkOpOf returns the link step a fact of type name makes, or 0 if it is
// not a link fact type.
func LinkOpOf(name string) LinkOp {
	switch name {
	case TypeLinked:
		return OpLinked
	case TypeUnlinked:
		return OpUnlinked
	}
	return 0
}

// linkTypes are the built-in link fact types, made once the identifier
// schemes are known.
var linkTypes = sync.OnceValue(func() map[string]*EventType {
	fields := func() []FieldSpec {
		return []FieldSpec{
			{Name: LinkFieldScheme, Type: FieldEnum, Required: true, Values: Schemes().Names()},
			{Name: LinkFieldValue, Type: FieldReference, Required: true, MaxLen: 64},
		}
	}
	return map[string]*EventType{
		TypeLinked: {Name: TypeLinked, Category: CategoryIdentity, Retention: 50 * year,
			Description: "A registry says that two identifiers name this subject: their profiles are one. Counts in no score.",
			Title:       "identifiers linked",
			Action:      "If the other identifier is not yours, dispute the link: a reviewer decides, and an upheld dispute undoes it.",
			Fields:      fields()},
		TypeUnlinked: {Name: TypeUnlinked, Category: CategoryIdentity, Retention: 50 * year,
			Description: "A registry says that an earlier link of two identifiers was wrong: two profiles again. Counts in no score.",
			Title:       "identifiers unlinked",
			Action:      "Nothing to do: the two identifiers are profiles of their own again.",
			Fields:      fields()},
	}
})

// LinkTypes returns the built-in link fact types, sorted by name.
func LinkTypes() []*EventType {
	return []*EventType{linkTypes()[TypeLinked], linkTypes()[TypeUnlinked]}
}

// LinkType returns the built-in link fact type named name, or nil. Its
// SubjectKind is zero: a link fact is about a person or an organisation.
func LinkType(name string) *EventType {
	if LinkOpOf(name) == 0 {
		return nil
	}
	return linkTypes()[name]
}

// validateLink checks the other identifier of a link fact of kind whose
// fields passed their specs, and sets ev.Link and ev.Other.
func validateLink(ev *ValidEvent, kind SubjectKind, kindOK bool, add func(field, format string, args ...any)) {
	ev.Link = LinkOpOf(ev.Type.Name)
	var scheme, value string
	for _, f := range ev.Fields {
		switch f.Name {
		case LinkFieldScheme:
			scheme = f.Value.Str
		case LinkFieldValue:
			value = f.Value.Str
		}
	}
	s, ok := ParseScheme(scheme)
	switch {
	case !ok: // the enum refused it already
	case kindOK && !s.AppliesTo(kind):
		add("fields."+LinkFieldScheme, "%s does not identify %s", s, kind.Noun())
	default:
		id, err := NormaliseIdentifier(s, value)
		if err != nil {
			add("fields."+LinkFieldValue, "%s", ErrorMessage(err))
			return
		}
		if id == ev.Identifier {
			add("fields."+LinkFieldValue, "names the subject's own identifier: a link joins two identifiers")
			return
		}
		ev.Other = id
	}
}
