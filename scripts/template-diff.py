#!/usr/bin/env python3
"""Compare two cdk.out folders: per stack, resources removed/added/changed (asset hashes and Metadata ignored).

Usage: python3 scripts/template-diff.py <before-cdk.out> <after-cdk.out>
"""
import json,sys,glob,os,re
a,b=sys.argv[1],sys.argv[2]
def norm(o):
    s=json.dumps(o,sort_keys=True)
    s=re.sub(r'[0-9a-f]{64}','<HASH>',s)
    return json.loads(s)
for f in sorted(glob.glob(a+'/*.template.json')):
    n=os.path.basename(f); A=json.load(open(f)); B=json.load(open(os.path.join(b,n)))
    ra,rb=A.get('Resources',{}),B.get('Resources',{})
    for k in ra:
        ra[k].pop('Metadata',None)
    for k in rb: rb[k].pop('Metadata',None)
    ka,kb=set(ra),set(rb)
    diffp=[k for k in ka&kb if norm(ra[k])!=norm(rb[k])]
    print(n, 'removed',sorted(ka-kb),'added',sorted(kb-ka),'changed',sorted(diffp), 'outputs same', norm(A.get('Outputs'))==norm(B.get('Outputs')))
