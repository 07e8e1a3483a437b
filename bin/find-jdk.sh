# Sourced by ./lowbit and ./test: sets JAVA to a JDK 21+ java and exports JAVA_HOME.
# Search order: JAVA_HOME, PATH, then the usual JDK folders.
java_major() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9]*\).*/\1/p' | head -1; }
find_java() {
  local c v
  for c in "${JAVA_HOME:-}/bin/java" "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java /opt/java/*/bin/java /opt/jdk*/bin/java /usr/local/*/bin/java; do
    [ -n "$c" ] && [ -x "$c" ] || continue
    v=$(java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then echo "$c"; return 0; fi
  done
  return 1
}
JAVA=$(find_java) || { echo "lowbit: needs a JDK 21 or newer (set JAVA_HOME)" >&2; exit 2; }
JAVA_HOME="$(cd "$(dirname "$JAVA")/.." && pwd)"
export JAVA_HOME
