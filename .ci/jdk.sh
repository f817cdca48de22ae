# Sourced by .ci/run and ./ug: points JAVA_HOME at a JDK 25 or newer, or stops with a clear message.
ug_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }
ug_find_jdk() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    local v; v=$(ug_java_major "$cand")
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$cand"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(ug_find_jdk); then
  echo "error: UrbanGraph needs a JDK 25 or newer. None was found in \$JAVA_HOME or under /usr/lib/jvm." >&2
  echo "       Install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
