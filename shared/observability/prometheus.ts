// The prom-client classes Mediateca's metrics are made of, imported by path: the package's index would also load
// its Pushgateway (and with it http, https and zlib), cluster aggregation and Summary at every cold start.
import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Histogram from 'prom-client/lib/histogram.js';
import Registry from 'prom-client/lib/registry.js';

export { Counter, Gauge, Histogram, Registry };
