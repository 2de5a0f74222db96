package local

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockHolders names the processes holding a lock on the file at path, as
// "pid 123 (coop upload ...)", read from /proc/locks; "" if unknown.
func lockHolders(path string) string {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return ""
	}
	want := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
	f, err := os.Open("/proc/locks")
	if err != nil {
		return ""
	}
	defer f.Close()
	var who []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"; waiters have "->" after the number.
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[1] == "->" || !sameFile(fields[5], want) || seen[fields[4]] {
			continue
		}
		pid := fields[4]
		seen[pid] = true
		desc := "pid " + pid
		if n, _ := strconv.Atoi(pid); n == os.Getpid() {
			desc += ", this process"
		} else if cmd, err := os.ReadFile("/proc/" + pid + "/cmdline"); err == nil && len(cmd) > 0 {
			cmd = bytes.TrimRight(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}), " ")
			if len(cmd) > 80 {
				cmd = append(cmd[:77], "..."...)
			}
			desc += ": " + strconv.Quote(string(cmd))
		}
		who = append(who, desc)
	}
	return strings.Join(who, "; ")
}

// sameFile compares "maj:min:ino" fields, allowing for the kernel's
// varying widths of the hex device numbers.
func sameFile(field, want string) bool {
	if field == want {
		return true
	}
	a, b := strings.Split(field, ":"), strings.Split(want, ":")
	if len(a) != 3 || len(b) != 3 {
		return false
	}
	for i := range 2 {
		x, err1 := strconv.ParseUint(a[i], 16, 32)
		y, err2 := strconv.ParseUint(b[i], 16, 32)
		if err1 != nil || err2 != nil || x != y {
			return false
		}
	}
	return a[2] == b[2]
}
