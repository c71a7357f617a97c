#!/usr/bin/env bash
# Packs the library (Nabla) and the command-line tool (Nabla.Cli), installs the tool from the local
# packages into an empty folder, and runs it there: what `dotnet tool install` gives a user.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/packages
rm -rf "$out"
dotnet pack src/Nabla -c Release -o "$out" -v q -nologo
dotnet pack src/Nabla.Cli -c Release -o "$out" -v q -nologo
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
lib="$out/Nabla.$version.nupkg"
for f in lib/net10.0/Nabla.dll lib/net10.0/Nabla.xml README.md LICENSE; do
  unzip -l "$lib" | grep -q " $f\$" || { echo "pack-check: $lib lacks $f" >&2; exit 1; }
done
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
dotnet tool install Nabla.Cli --version "$version" --add-source "$out" --tool-path "$tools" >/dev/null
cd "$tools"   # a clean folder, far from the sources
printed=$(./nabla --version)
[ "$printed" = "$version" ] || { echo "pack-check: nabla --version printed '$printed', expected $version" >&2; exit 1; }
./nabla --help | grep -q "gradcheck" || { echo "pack-check: nabla --help lists no commands" >&2; exit 1; }
./nabla gradcheck --net 4,3,tanh,2,softmax --loss cross-entropy --json | grep -q '"passed":true' || { echo "pack-check: gradcheck failed" >&2; exit 1; }
echo "pack-check: $lib and Nabla.Cli.$version.nupkg built; the installed tool runs (nabla $printed)"
