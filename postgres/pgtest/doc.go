// Package pgtest gives tests a database of their own on the PostgreSQL
// server named by CANDOR_TEST_POSTGRES, and skips them when it is unset.
package pgtest
