# The benchmark scripts' table (sourced): medians of the "key value" lines in $figures,
# each figure printed beside its baseline from the same run.

med() { # KEY: median of its values (mean of the middle two for an even count)
	awk -v k="$1" '$1 == k { print $2 }' "$figures" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
cnt() { awk -v k="$1" '$1 == k' "$figures" | wc -l; }
fmt() { # VALUE SCALE: three significant digits or more, no exponent
	awk -v v="$1" -v s="$2" 'BEGIN { v *= s; if (v >= 100) printf "%.0f", v; else if (v >= 10) printf "%.1f", v; else printf "%.2f", v }'
}
# row LABEL KEY BASELINE-LABEL BASELINE-KEY UNIT SCALE TARGET
row() {
	local a b n r
	a=$(med "$2"); b=$(med "$4"); n=$(cnt "$2")
	[ -n "$a" ] && [ -n "$b" ] || { printf '| %s | not measured | | | | %s |\n' "$1" "$7"; return; }
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
	printf '| %s | %s %s | %s: %s %s | %s | %s | %s |\n' "$1" "$(fmt "$a" "$6")" "$5" "$3" \
		"$(fmt "$b" "$6")" "$5" "$r" "$n" "$7"
}
