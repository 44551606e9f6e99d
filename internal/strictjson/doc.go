// Package strictjson is the one reader of every JSON body Candor accepts:
// RFC 8259 JSON with I-JSON's restrictions (RFC 7493) and Candor's bounds.
// It refuses
//
//   - nesting deeper than MaxDepth objects and arrays;
//   - in an object read with Object, a key given twice (in any spelling:
//     keys are compared unescaped) or more than MaxMembers members;
//   - in strings (keys too), invalid UTF-8, unpaired surrogates and what
//     candor.ForbiddenRune refuses: control characters and bidirectional
//     overrides; multi-line text may hold tab and newline;
//   - anything after the value.
//
// It never recurses on its own: a value the caller skips is read in a loop,
// without allocating, however it nests, so reading a body takes memory
// proportional to what the caller keeps of it. A skipped value is checked
// like the rest but for repeated keys: it is never used. Errors are *Error, naming
// the line, the column, the path to the value and the problem.
package strictjson
