// Satu Peta's map: vector tiles of our own OGC API, HTML controls, tables and details for keyboards.
import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';

const el = document.getElementById('satupeta-map');
const config = JSON.parse(el.dataset.config);
const strings = document.getElementById('satupeta-strings').dataset;
const fmt = (s, values) => s.replace(/\{(\w+)\}/g, (_, k) => values[k]);
// counts as the page's language writes them (2.000 in Indonesian)
const number = new Intl.NumberFormat(document.documentElement.lang || 'id');
const origin = window.location.origin;
const tileUrl = (id) => `${origin}${config.ogc}/collections/${id}/tiles/WebMercatorQuad/{z}/{y}/{x}`;

const style = { version: 8, sources: {}, layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f1ea' } }] };
if (config.basemapUrl) {
  style.sources.basemap = { type: 'raster', tiles: [config.basemapUrl], tileSize: 256, attribution: config.basemapAttribution || '' };
  style.layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
} else if (config.basemapLayer) {
  // the default base map: our own boundaries (e.g. kecamatan), no outside tile server
  style.sources.basemap = { type: 'vector', tiles: [tileUrl(config.basemapLayer)] };
  style.layers.push({ id: 'basemap-fill', type: 'fill', source: 'basemap', 'source-layer': 'features', paint: { 'fill-color': '#e8e4d8' } });
  style.layers.push({ id: 'basemap-line', type: 'line', source: 'basemap', 'source-layer': 'features', paint: { 'line-color': '#8a8370', 'line-width': 1 } });
}
const [x0, y0, x1, y1] = config.bbox;
const map = new maplibregl.Map({ container: el, style, bounds: [[x0, y0], [x1, y1]], locale: config.locale, attributionControl: config.basemapUrl && config.basemapAttribution ? { compact: false } : false });
map.addControl(new maplibregl.NavigationControl(), 'top-right');
map.addControl(new maplibregl.ScaleControl(), 'bottom-left');

const layerItems = [...document.querySelectorAll('.satupeta-layer')];
const mapLayerIds = {};
// the officer's style (satupeta/style.py), the same the WMS draws with
function colourOf(st) {
  const c = st.classify;
  if (!c || !c.classes || !c.classes.length) return st.fill;
  if (c.method === 'categories') {
    return ['match', ['to-string', ['get', c.field]], ...c.classes.flatMap((k) => [k.value, k.color]), st.fill];
  }
  const value = ['to-number', ['get', c.field], NaN];
  return ['case', ...c.classes.flatMap((k) => [['all', ['>=', value, k.min], ['<=', value, k.max]], k.color]), st.fill];
}
layerItems.forEach((item) => {
  const id = item.dataset.layerId;
  const st = JSON.parse(item.dataset.style);
  const color = colourOf(st);
  const family = item.dataset.family;
  const layer = { id: `l-${id}`, source: id, 'source-layer': 'features' };
  if (family === 'point') Object.assign(layer, { type: 'circle', paint: { 'circle-color': color, 'circle-radius': st.size / 2 + 1, 'circle-stroke-color': st.stroke, 'circle-stroke-width': st.stroke_width } });
  else if (family === 'line') Object.assign(layer, { type: 'line', paint: { 'line-color': color, 'line-width': Math.max(st.stroke_width, 1) } });
  else Object.assign(layer, { type: 'fill', paint: { 'fill-color': color, 'fill-opacity': (st.opacity || 100) / 100, 'fill-outline-color': st.stroke } });
  mapLayerIds[id] = layer.id;
  map.on('load', () => {
    map.addSource(id, { type: 'vector', tiles: [tileUrl(id)] });
    map.addLayer(layer);
  });
  item.querySelector('input').addEventListener('change', (e) => {
    map.setLayoutProperty(layer.id, 'visibility', e.target.checked ? 'visible' : 'none');
  });
  item.querySelector('.satupeta-show-table').addEventListener('click', () => showTable(id, item.dataset.title, 0));
});

// feature details, from a click on the map or a row of a table
const details = document.getElementById('satupeta-details');
function showDetails(title, id, properties) {
  const dl = details.querySelector('dl');
  dl.replaceChildren();
  details.querySelector('.satupeta-details-empty').hidden = true;
  const add = (k, v) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); dd.textContent = v ?? ''; dl.append(dt, dd); };
  add(strings.layer, title);
  add(strings.id, id);
  Object.entries(properties).forEach(([k, v]) => add(k, typeof v === 'object' ? JSON.stringify(v) : v));
}
map.on('click', (e) => {
  const visible = Object.values(mapLayerIds).filter((l) => map.getLayer(l));
  const hit = map.queryRenderedFeatures(e.point, { layers: visible })[0];
  if (!hit) return;
  const item = layerItems.find((li) => mapLayerIds[li.dataset.layerId] === hit.layer.id);
  showDetails(item.dataset.title, hit.id, hit.properties);
});

// pan and zoom buttons
document.querySelectorAll('[data-pan]').forEach((b) => b.addEventListener('click', () => {
  const [dx, dy] = b.dataset.pan.split(',').map(Number);
  map.panBy([dx * el.clientWidth / 3, dy * el.clientHeight / 3]);
}));
document.querySelectorAll('[data-zoom]').forEach((b) => b.addEventListener('click', () => map.zoomTo(map.getZoom() + Number(b.dataset.zoom))));
document.querySelector('[data-reset]').addEventListener('click', () => map.fitBounds([[x0, y0], [x1, y1]]));

// "Search datasets in this view": ckanext-spatial's ext_bbox of what the map shows
const searchView = document.getElementById('satupeta-search-view');
map.on('moveend', () => {
  const b = map.getBounds();
  const box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(',');
  const url = new URL(searchView.href, window.location.href);
  url.searchParams.set('ext_bbox', box);
  searchView.href = url.toString();
});

// the paged table of one layer; each row zooms the map to its feature
const PAGE = 10;
const table = document.getElementById('satupeta-table');
let current = null;
function bounds(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => { if (typeof c[0] === 'number') { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); } else c.forEach(walk); };
  walk(geometry.coordinates);
  return [[b[0], b[1]], [b[2], b[3]]];
}
async function showTable(id, title, offset) {
  const resp = await fetch(`${config.ogc}/collections/${id}/items?f=json&limit=${PAGE}&offset=${offset}`, { headers: { Accept: 'application/geo+json' } });
  const doc = await resp.json();
  current = { id, title, offset, total: doc.numberMatched };
  table.hidden = false;
  table.querySelector('h2').textContent = fmt(strings.tableOf, { layer: title });
  table.querySelector('caption').textContent = fmt(strings.features, { first: number.format(doc.numberReturned ? offset + 1 : 0), last: number.format(offset + doc.numberReturned), total: number.format(doc.numberMatched) });
  const names = [...new Set(doc.features.flatMap((f) => Object.keys(f.properties)))];
  const head = document.createElement('tr');
  [strings.id, ...names].forEach((n) => { const th = document.createElement('th'); th.scope = 'col'; th.textContent = n; head.append(th); });
  table.querySelector('thead').replaceChildren(head);
  table.querySelector('tbody').replaceChildren(...doc.features.map((f) => {
    const tr = document.createElement('tr');
    const th = document.createElement('th'); th.scope = 'row';
    const button = document.createElement('button');
    button.type = 'button'; button.className = 'btn btn-link'; button.textContent = fmt(strings.zoomTo, { id: f.id });
    button.addEventListener('click', () => {
      table.querySelectorAll('tr.is-selected').forEach((r) => r.classList.remove('is-selected'));
      tr.classList.add('is-selected');
      map.fitBounds(bounds(f.geometry), { maxZoom: 17, padding: 40 });
      showDetails(title, f.id, f.properties);
    });
    th.append(button); tr.append(th);
    names.forEach((n) => { const td = document.createElement('td'); td.textContent = f.properties[n] ?? ''; tr.append(td); });
    return tr;
  }));
  table.querySelector('.satupeta-page-info').textContent = table.querySelector('caption').textContent;
  table.querySelector('[data-page="-1"]').disabled = offset === 0;
  table.querySelector('[data-page="1"]').disabled = offset + PAGE >= doc.numberMatched;
  table.querySelector('h2').focus();
}
table.querySelectorAll('[data-page]').forEach((b) => b.addEventListener('click', () => {
  if (current) showTable(current.id, current.title, Math.max(0, current.offset + Number(b.dataset.page) * PAGE));
}));

// how many features are drawn, once the map is idle (read by the browser test)
map.on('idle', () => {
  const visible = Object.values(mapLayerIds).filter((l) => map.getLayer(l));
  el.dataset.featuresDrawn = String(visible.length ? map.queryRenderedFeatures({ layers: visible }).length : 0);
});
map.on('error', (e) => console.error('satupeta map', e.error && e.error.message));
