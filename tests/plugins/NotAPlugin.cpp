// A plain shared library: no Qt plugin metadata at all.
extern "C" int hpt_not_a_plugin() { return 42; }
