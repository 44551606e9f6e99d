package candor

// The check-digit algorithms schemes may name (CheckAlgorithm). Each takes
// a value its scheme's pattern has already accepted.

// weighted returns the sum of the digits of v weighted by w.
func weighted(v string, w []int) int {
	sum := 0
	for i, x := range w {
		sum += int(v[i]-'0') * x
	}
	return sum
}

// snilsValid checks a SNILS's last two digits: the first nine weighted
// 9..1; a sum under 100 is the check number, 100 and 101 give 00, and a
// larger sum is taken mod 101 (a remainder of 100 giving 00). Numbers up
// to 001-001-998 were issued before the check existed and have none.
func snilsValid(v string) bool {
	if v[:9] <= "001001998" {
		return true
	}
	sum := weighted(v, []int{9, 8, 7, 6, 5, 4, 3, 2, 1})
	check := sum % 101
	if check == 100 {
		check = 0
	}
	return int(v[9]-'0')*10+int(v[10]-'0') == check
}

// innValid checks an INN: ten digits with one check digit, or twelve with
// two, each a weighted sum mod 11 mod 10.
func innValid(v string) bool {
	digit := func(w []int) byte { return byte('0' + weighted(v, w)%11%10) }
	if len(v) == 10 {
		return v[9] == digit([]int{2, 4, 10, 3, 5, 9, 4, 6, 8})
	}
	return v[10] == digit([]int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) &&
		v[11] == digit([]int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
}

// ogrnValid checks an OGRN (13 digits: the first 12 as a number mod 11,
// mod 10) or OGRNIP (15 digits: the first 14 mod 13, mod 10).
func ogrnValid(v string) bool {
	n := len(v) - 1
	mod := 11
	if n == 14 {
		mod = 13
	}
	r := 0
	for i := 0; i < n; i++ {
		r = (r*10 + int(v[i]-'0')) % mod
	}
	return v[n] == byte('0'+r%10)
}

// iso7064Mod112Valid checks ISO 7064 MOD 11-2 over digits with a final
// check character 0-9 or X (10), as the Chinese resident ID uses it: the
// digits weighted 2^(n-i) mod 11, and the check makes the sum 1 mod 11.
func iso7064Mod112Valid(v string) bool {
	n := len(v) - 1
	sum, w := 0, 1
	for i := n - 1; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(v[i]-'0') * w
	}
	check := (12 - sum%11) % 11
	want := byte('0' + check)
	if check == 10 {
		want = 'X'
	}
	return v[n] == want
}

// gb32100Chars are the 31 characters of a unified social credit code, in
// the order of their values.
const gb32100Chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// gb32100Valid checks the last character of a unified social credit code
// (GB 32100-2015): the first 17 characters' values weighted 3^i mod 31,
// and the check value 31 - sum mod 31 (31 giving 0).
func gb32100Valid(v string) bool {
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += indexByte(gb32100Chars, v[i]) * w
		w = w * 3 % 31
	}
	check := (31 - sum%31) % 31
	return v[17] == gb32100Chars[check]
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return 0
}
