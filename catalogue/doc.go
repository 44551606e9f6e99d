// Package catalogue holds Candor's shipped event-type catalogue and the loader
// for it and for an operator's replacement file.
//
// The file is YAML: a top-level "types" list whose entries have the keys name,
// category, subject, retention, description, lifts_order and fields; each
// field has name, type, required, description, min, max, max_length and
// values. Decoding is strict: an unknown key, a key given twice, a value of
// the wrong shape, or anything candor.NewCatalogue refuses is an error, and
// the error lists every problem in the file, each with its file, line and
// entry.
//
// Identifier schemes (national ID, SNILS, INN, OGRN, the Chinese resident
// ID and social credit code, passports) are data too, but in the domain's
// schemes.json (candor.Schemes): a scheme's code is part of every blind
// index and sealed identifier, so the domain owns the table.
package catalogue
