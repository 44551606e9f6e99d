package strictjson

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// Unmarshal reads data, one JSON object, into the struct v points to, whose
// fields are strings, lists of strings, booleans, integers or
// encoding.TextUnmarshalers (read from a string). A key must be a field's json tag exactly; a key that
// names no field, null, and a value of the wrong kind are errors, as is
// anything Scanner refuses. A string field tagged text:"multiline" may hold
// tab and newline. Errors: *Error for the body; any other error is the
// caller's mistake (v is not a pointer to such a struct).
func Unmarshal(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("strictjson: Unmarshal needs a pointer to a struct, not %T", v)
	}
	sv := rv.Elem()
	fields := fieldsOf(sv.Type())
	s := scanners.Get().(*Scanner)
	defer func() {
		s.Reset(nil)
		scanners.Put(s)
	}()
	s.Reset(data)
	if s.Peek() != '{' {
		if s.pos == len(s.data) {
			return s.Errorf("empty body: want a JSON object")
		}
		return s.Errorf("want a JSON object")
	}
	err := s.Object(func(key []byte) error {
		i := -1
		for j := range fields {
			if fields[j].name != "" && fields[j].name == string(key) {
				i = j
			}
		}
		if i < 0 {
			return s.Errorf("unknown key %s", strconv.QuoteToASCII(string(key)))
		}
		return s.field(sv.Field(i), &fields[i])
	})
	if err != nil {
		return err
	}
	return s.End()
}

// scanners are Unmarshal's, reused: a Scanner is over a kilobyte.
var scanners = sync.Pool{New: func() any { return new(Scanner) }}

// fieldInfo is what Unmarshal reads of a struct field, once per type.
type fieldInfo struct {
	sf        reflect.StructField
	name      string // its JSON key; "" for none
	text      Text
	unmarshal bool // an encoding.TextUnmarshaler, read from a string
}

var typeFields sync.Map // reflect.Type → []fieldInfo

// fieldsOf returns the fields of struct type st, from the cache.
func fieldsOf(st reflect.Type) []fieldInfo {
	if f, ok := typeFields.Load(st); ok {
		return f.([]fieldInfo)
	}
	fields := make([]fieldInfo, st.NumField())
	for i := range fields {
		sf := st.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" || !sf.IsExported() {
			name = ""
		}
		t := Line
		if sf.Tag.Get("text") == "multiline" {
			t = Multiline
		}
		fields[i] = fieldInfo{sf: sf, name: name, text: t, unmarshal: reflect.PointerTo(sf.Type).Implements(textUnmarshaler)}
	}
	typeFields.Store(st, fields)
	return fields
}

// field reads the value at the cursor into f.
func (s *Scanner) field(f reflect.Value, fi *fieldInfo) error {
	sf, t := fi.sf, fi.text
	if fi.unmarshal {
		if s.Peek() != '"' {
			return s.Errorf("must be a string")
		}
		at := s.pos
		b, err := s.str(t)
		if err != nil {
			return err
		}
		if err := f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(b); err != nil {
			return s.errorAt(at, err.Error())
		}
		return nil
	}
	switch sf.Type.Kind() {
	case reflect.Slice:
		if sf.Type.Elem().Kind() != reflect.String {
			break
		}
		if s.Peek() != '[' {
			return s.Errorf("must be an array of strings")
		}
		list := reflect.MakeSlice(sf.Type, 0, 4)
		err := s.Array(func(int) error {
			if s.Peek() != '"' {
				return s.Errorf("must be a string")
			}
			str, err := s.String(t)
			list = reflect.Append(list, reflect.ValueOf(str).Convert(sf.Type.Elem()))
			return err
		})
		f.Set(list)
		return err
	case reflect.String:
		if s.Peek() != '"' {
			return s.Errorf("must be a string")
		}
		str, err := s.String(t)
		f.SetString(str)
		return err
	case reflect.Bool:
		switch s.Peek() {
		case 't':
			f.SetBool(true)
			return s.literal("true")
		case 'f':
			f.SetBool(false)
			return s.literal("false")
		}
		return s.Errorf("must be true or false")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := s.integer()
		if err != nil {
			return err
		}
		i, err := strconv.ParseInt(string(n), 10, sf.Type.Bits())
		if err != nil {
			return s.Errorf("integer %s out of range", n)
		}
		f.SetInt(i)
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := s.integer()
		if err != nil {
			return err
		}
		u, err := strconv.ParseUint(string(n), 10, sf.Type.Bits())
		if err != nil {
			return s.Errorf("%s is not a non-negative integer in range", n)
		}
		f.SetUint(u)
		return nil
	}
	return fmt.Errorf("strictjson: field %s: unsupported type %s", sf.Name, sf.Type)
}

// integer reads a number without fraction or exponent.
func (s *Scanner) integer() ([]byte, error) {
	if c := s.Peek(); c != '-' && (c < '0' || c > '9') {
		return nil, s.Errorf("must be an integer")
	}
	n, err := s.number()
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(string(n), ".eE") {
		return nil, s.Errorf("%s is not an integer", n)
	}
	return n, nil
}
