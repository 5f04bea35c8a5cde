# hw/synth/sta.tcl: OpenSTA (2.0.x) timing and power of the netlist that
# asic.ys wrote (docs/hw.md). `asicnn synth --target asic` fills in the
# {NAMES}: LIB, NETLIST, TOP, PERIOD (ns), ACTIVITY (toggles per clock) and
# SIMULATED (empty, or the script of the power from simulated activity).
# Lines starting with AN_ are what the driver parses.
read_liberty {LIB}
read_verilog {NETLIST}
link_design {TOP}
puts "AN_STA_CELLS [llength [get_cells -hierarchical *]]"
create_clock -name clk -period {PERIOD} [get_ports clk]
set in_ports {}
foreach p [get_ports *] {
    if {[get_full_name $p] != "clk" && [get_property $p direction] == "input"} {
        lappend in_ports $p
    }
}
set_input_delay 0.0 -clock clk $in_ports
set_output_delay 0.0 -clock clk [all_outputs]
set_driving_cell -lib_cell INVX1 -pin Y $in_ports
set_load 0.01 [all_outputs]
report_checks -path_delay max -digits 3
set ws [sta::worst_slack -max]
puts [format "AN_WORST_SLACK_NS %.4f" $ws]
puts [format "AN_FMAX_MHZ %.3f" [expr 1000.0 / ({PERIOD} - $ws)]]
# the worst path's pins with their hierarchical instance paths
set worst [lindex [find_timing_paths -path_delay max] 0]
puts "AN_START_PIN [get_full_name [get_property $worst startpoint]]"
puts "AN_END_PIN [get_full_name [get_property $worst endpoint]]"
set_power_activity -global -activity {ACTIVITY}
set_power_activity -input -activity {ACTIVITY}
puts "AN_POWER vectorless"
report_power -digits 6
# with a trace: every module instance's power at two global activities
{SIMULATED}
exit
