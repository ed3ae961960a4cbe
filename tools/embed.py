#!/usr/bin/env python3
"""Embed a text file in C as `const char NAME[]` (NUL-terminated) and `NAME_len`."""
import sys

src, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* generated from %s by tools/embed.py; do not edit */\n' % src.split('/')[-1])
    f.write('#include <stddef.h>\n')
    f.write('const char %s[] = {\n' % name)
    for i in range(0, len(data), 16):
        # plain char may be signed: write bytes >= 0x80 as negative values
        f.write('\t' + ' '.join('%d,' % (b - 256 if b >= 128 else b) for b in data[i:i + 16]) + '\n')
    f.write('\t0x00\n};\n')
    f.write('const size_t %s_len = %d;\n' % (name, len(data)))
