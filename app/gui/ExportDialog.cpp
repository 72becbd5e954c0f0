#include "gui/ExportDialog.h"

#include "gui/ChartExport.h"

#include <hpt/Error.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

namespace hpt::gui {

ExportDialog::ExportDialog(QCustomPlot* plot, const QString& title, QWidget* parent)
    : QDialog(parent), plot_(plot) {
    setWindowTitle("Export chart — " + title);
    QSettings s;
    const QString dir = s.value("export/dir", QDir::homePath()).toString();
    QString base = title.toLower().replace(' ', '-');
    format_ = new QComboBox;
    format_->addItems({"png", "pdf", "svg"});
    format_->setCurrentText(s.value("export/format", "png").toString());
    file_ = new QLineEdit(QDir(dir).filePath(base + "." + format_->currentText()));
    auto* browse = new QPushButton("Browse…");
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getSaveFileName(this, "Export chart", file_->text(),
                                                       "PNG image (*.png);;PDF document (*.pdf);;SVG drawing (*.svg)");
        if (!f.isEmpty()) file_->setText(f);
    });
    connect(format_, &QComboBox::currentTextChanged, this, [this](const QString& f) {
        QFileInfo fi(file_->text());
        file_->setText(fi.dir().filePath(fi.completeBaseName() + "." + f));
    });
    connect(file_, &QLineEdit::textEdited, this, [this](const QString& t) {
        ChartFormat f;
        if (formatFromPath(t, &f)) format_->setCurrentText(toString(f));
    });
    width_ = new QSpinBox;
    width_->setRange(16, 20000);
    width_->setSuffix(" px");
    width_->setValue(s.value("export/width", 1200).toInt());
    height_ = new QSpinBox;
    height_->setRange(16, 20000);
    height_->setSuffix(" px");
    height_->setValue(s.value("export/height", 700).toInt());
    dpi_ = new QSpinBox;
    dpi_->setRange(24, 2400);
    dpi_->setSuffix(" dpi");
    dpi_->setValue(s.value("export/dpi", 150).toInt());
    dpi_->setToolTip("PNG: pixels = size × dpi / 96; PDF and SVG are vector graphics");
    message_ = new QLabel;
    message_->setWordWrap(true);
    message_->setStyleSheet("color: #c62828");

    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(file_, 1);
    fileRow->addWidget(browse);
    auto* form = new QFormLayout(this);
    form->addRow("File", fileRow);
    form->addRow("Format", format_);
    form->addRow("Width", width_);
    form->addRow("Height", height_);
    form->addRow("Resolution", dpi_);
    form->addRow(message_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    form->addRow(buttons);
}

void ExportDialog::accept() {
    const QString path = file_->text();
    ChartFormat f;
    parseChartFormat(format_->currentText(), &f);
    bool force = false;
    if (QFileInfo::exists(path)) {
        if (QMessageBox::question(this, "Overwrite?", QString("%1 exists. Overwrite it?").arg(path)) != QMessageBox::Yes)
            return;
        force = true;
    }
    try {
        saveChart(*plot_, path, f, ExportSize{width_->value(), height_->value(), double(dpi_->value())}, force);
    } catch (const std::exception& e) {
        message_->setText(e.what());
        return;
    }
    QSettings s;
    s.setValue("export/dir", QFileInfo(path).absolutePath());
    s.setValue("export/format", format_->currentText());
    s.setValue("export/width", width_->value());
    s.setValue("export/height", height_->value());
    s.setValue("export/dpi", dpi_->value());
    QDialog::accept();
}

}  // namespace hpt::gui
