#!/usr/bin/env python3
"""Write cap_names.list.h from the kernel's capability.h, as libcap's Makefile
does with egrep and sed: one line {"cap_name",N}, per "#define CAP_NAME N"."""
import re
import sys

DEFINE = re.compile(r'^#define\s+(CAP_\S+)\s+([0-9]+)\s*$')

with open(sys.argv[1]) as header, open(sys.argv[2], 'w') as out:
    for line in header:
        m = DEFINE.match(line)
        if m:
            out.write('{"%s",%s},\n' % (m.group(1).lower(), m.group(2)))
