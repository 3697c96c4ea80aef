/** The demo's live page: one HTML document, no external assets; it polls /api/state of the demo server. */
export const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Smart-factory local demo</title>
<style>
body{font:14px system-ui,sans-serif;margin:16px;background:#f6f7f9;color:#1b1f24}
h1{font-size:18px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px}
.muted{color:#667}table{border-collapse:collapse;background:#fff}td,th{padding:4px 8px;border:1px solid #dde;text-align:right}
th{background:#eef}td.l,th.l{text-align:left}.alert{background:#fff0f0}.ok{color:#177a2e}.bad{color:#b3261e;font-weight:600}
svg{background:#fff;border:1px solid #dde}.grid{display:flex;flex-wrap:wrap;gap:12px}
</style></head><body>
<h1>Smart-factory local demo</h1>
<div class="muted" id="status">connecting…</div>
<h2>Devices — latest readings</h2><table id="devices"></table>
<h2>Anomaly grade per device (max per 10 s of device time; alert threshold dashed)</h2><div class="grid" id="grades"></div>
<h2>Alerts</h2><table id="alerts"><tr><td class="l muted">no alert yet</td></tr></table>
<h2>10-s moving average of temperature, latest closed 180-s window per device</h2><div class="grid" id="windows"></div>
<script>
const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const fmt=(v,d=2)=>v===null||v===undefined?'–':Number(v).toFixed(d);
function spark(points,opts){const w=opts.w||260,h=opts.h||70,xs=points.map(p=>p[0]),ys=points.map(p=>p[1]);
 if(points.length<2)return '<svg width="'+w+'" height="'+h+'"></svg>';
 const x0=Math.min(...xs),x1=Math.max(...xs),y0=opts.min??Math.min(...ys),y1=opts.max??Math.max(...ys);
 const X=x=>((x-x0)/((x1-x0)||1))*(w-4)+2,Y=y=>h-2-((y-y0)/((y1-y0)||1))*(h-4);
 let s='<svg width="'+w+'" height="'+h+'">';
 if(opts.line!==undefined)s+='<line x1="0" x2="'+w+'" y1="'+Y(opts.line)+'" y2="'+Y(opts.line)+'" stroke="#b3261e" stroke-dasharray="4 3"/>';
 s+='<polyline fill="none" stroke="'+(opts.color||'#2957a4')+'" stroke-width="1.5" points="'+points.map(p=>X(p[0]).toFixed(1)+','+Y(p[1]).toFixed(1)).join(' ')+'"/>';
 return s+'</svg>';}
async function tick(){
 let st;try{st=await (await fetch('/api/state')).json();}catch(e){document.getElementById('status').textContent='demo stopped';return;}
 document.getElementById('status').innerHTML=esc(st.status)+' · device time '+esc(st.deviceTime)+' · sent '+st.sent+' readings · anomaly handler: '+st.anomaly.records+' records in '+st.anomaly.invocations+' invocations ('+st.anomaly.retries+' retries) · window handler: '+st.window.windowsClosed+' windows closed';
 let d='<tr><th class="l">device</th><th class="l">fault (label)</th><th>temperature °C</th><th>motor rpm</th><th>vib. temp °C</th><th>vibration mm/s</th><th>pressure bar</th><th>grade</th></tr>';
 for(const v of st.devices){const r=v.latest||{};d+='<tr'+(v.alerts>0?' class="alert"':'')+'><td class="l">'+esc(v.device_id)+'</td><td class="l">'+esc(v.fault||'')+'</td><td>'+fmt(r.temperature)+'</td><td>'+fmt(r.motor_speed_rpm,0)+'</td><td>'+fmt(r.rvibration_temp)+'</td><td>'+fmt(r.rvibration_z_rms_velocity,3)+'</td><td>'+fmt(r.pressure)+'</td><td>'+fmt(v.grade)+'</td></tr>';}
 document.getElementById('devices').innerHTML=d;
 document.getElementById('grades').innerHTML=st.devices.map(v=>'<div><div>'+esc(v.device_id)+'</div>'+spark(v.grades,{min:0,max:1,line:st.threshold,color:'#8a3ffc'})+'</div>').join('');
 if(st.alerts.length){let a='<tr><th class="l">device time</th><th class="l">device</th><th class="l">driving sensor</th><th>value</th><th>grade</th><th>severity</th><th>failure probability (edge XGBoost)</th><th class="l">injected fault?</th><th class="l">message</th></tr>';
 for(const x of st.alerts.slice().reverse())a+='<tr class="alert" data-device="'+esc(x.device_id)+'"><td class="l">'+esc(x.ts)+'</td><td class="l">'+esc(x.device_id)+'</td><td class="l">'+esc(x.sensor)+' ('+esc(x.direction)+')</td><td>'+fmt(x.sensor_value)+' '+esc(x.sensor_unit)+'</td><td>'+fmt(x.grade)+'</td><td>'+esc(x.severity)+'</td><td>'+(x.failure_probability===null?'–':(x.failure_probability*100).toFixed(1)+' %')+'</td><td class="l '+(x.label?'ok':'bad')+'">'+esc(x.label||'no (false alarm)')+'</td><td class="l">'+esc(x.message_en)+'<br>'+esc(x.message_ko)+'</td></tr>';
 document.getElementById('alerts').innerHTML=a;}
 document.getElementById('windows').innerHTML=st.windows.map(w=>'<div><div>'+esc(w.device_id)+' <span class="muted">'+esc(w.window_start.slice(11,19))+'–'+esc(w.window_end.slice(11,19))+' ('+w.rows.length+' buckets)</span></div>'+spark(w.rows.map(r=>[Date.parse(r.bucket_end),r.avg_temperature]),{color:'#177a2e'})+'<div class="muted">'+w.rows.map(r=>fmt(r.avg_temperature,1)).join(' ')+'</div></div>').join('')||'<span class="muted">no window closed yet</span>';
 setTimeout(tick,1000);}
tick();
</script></body></html>`;
