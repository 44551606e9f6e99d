// Package progress shows the progress of long command-line work (an
// import, a purge, materialising scores): a bar redrawn in place on a
// terminal, plain periodic lines otherwise; and sizes in human units.
package progress
