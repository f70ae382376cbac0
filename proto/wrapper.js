import $protobuf from $DEPENDENCY;

// Kiln decodes every 64-bit integer field as a JS number (the generated types say `number`, as --force-number
// declares): exact up to 2^53, rounded beyond, never a Long object and never a crash on forged values.
$protobuf.util.Long = null;
$protobuf.configure();

$OUTPUT;

export {
  $DEFAULT_EXPORT$root as default
};
