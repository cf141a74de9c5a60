# Redraws the warning sample of ../warnings-sample.md: run from this folder after writing out/<run>.json with the command given there.
import json, glob, random
allw = []
for f in sorted(glob.glob('out/*.json')):
    run = f[len('out/'):-len('.json')]
    for x in json.load(open(f))['diagnostics']:
        if x['severity'] == 'warning':
            allw.append((run, x['path'], x['start']['line'], x['start']['column'], x['rule'], x['message'], x['end']['line']))
allw.sort(key=lambda t: t[:5])
sample = random.Random(11).sample(allw, 100)
print(len(allw))
json.dump(sample, open('sample.json', 'w'), indent=1)
