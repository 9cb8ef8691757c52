import numpy as np, time
from scoring.calibration import reviews, calibrate
from scoring.uncertainty import draws, summarise, cut, ranks, _interval
rng=np.random.default_rng(1)
E,J,k=10000,500,5
q=rng.normal(0,1,E); b=rng.normal(0,.5,J)
e=np.repeat(np.arange(E),k); j=rng.integers(0,J,(E,k)).ravel()
y=q[e]+b[j]+rng.normal(0,1,e.size)
T=time.process_time
d=reviews(entry=e,judge=j,score=y,n_entries=E,n_judges=J)
t=T(); c=calibrate(d); print("cal",T()-t)
for m in ("posterior","residuals"):
    t=T(); s=draws(c,d,resamples=1000,seed=1,method=m); print(m,T()-t)
t=T(); r=ranks(s); print("ranks",T()-t)
t=T(); _interval(s,.8); print("int s",T()-t)
t=T(); _interval(r,.8); print("int r",T()-t)
t=T(); (r<=10).mean(axis=1); print("ptop",T()-t)
